// AdminWrites against the live server: the real side of the capability a dry run replaces with
// SimulatedAdminWrites (synapse-admin-simulated.ts).
import { MxError, isSynapseApiError } from '../core/errors.ts';
import { enc, found, masGuarded, patient, pollTask } from './synapse-admin-http.ts';
import type { AdminWrites, DeleteRoomOptions, PollOptions, RegistrationToken, TaskStatus } from './synapse-admin.ts';
import type { SynapseClient } from './synapse.ts';

export class SynapseAdminWrites implements AdminWrites {
  readonly client: SynapseClient;
  constructor(client: SynapseClient) {
    this.client = client;
  }

  createToken(body: Parameters<AdminWrites['createToken']>[0]): Promise<RegistrationToken> {
    return masGuarded(this.client, 'Registration tokens', () =>
      this.client.call<RegistrationToken>('POST', '/_synapse/admin/v1/registration_tokens/new', body),
    );
  }

  updateToken(token: string, body: Parameters<AdminWrites['updateToken']>[1]): Promise<RegistrationToken> {
    return masGuarded(this.client, 'Registration tokens', () =>
      found(`Registration token "${token}"`, () =>
        this.client.call<RegistrationToken>('PUT', `/_synapse/admin/v1/registration_tokens/${enc(token)}`, body),
      ),
    );
  }

  async deleteToken(token: string): Promise<void> {
    await masGuarded(this.client, 'Registration tokens', () =>
      found(`Registration token "${token}"`, () =>
        this.client.call('DELETE', `/_synapse/admin/v1/registration_tokens/${enc(token)}`),
      ),
    );
  }

  async deactivateUser(userId: string, erase: boolean): Promise<void> {
    await found(`User ${userId}`, () =>
      this.client.call('POST', `/_synapse/admin/v1/deactivate/${enc(userId)}`, { erase }),
    );
  }

  async purgeHistory(
    roomId: string,
    o: { beforeTs: number; deleteLocalEvents: boolean },
    poll: PollOptions,
  ): Promise<TaskStatus> {
    const { purge_id } = await this.client.call<{ purge_id: string }>(
      'POST',
      `/_synapse/admin/v1/purge_history/${enc(roomId)}`,
      {
        delete_local_events: o.deleteLocalEvents,
        purge_up_to_ts: o.beforeTs,
      },
    );
    return pollTask(
      `purge ${purge_id}`,
      () => this.client.call<TaskStatus>('GET', `/_synapse/admin/v1/purge_history_status/${enc(purge_id)}`),
      poll,
    );
  }

  async sendState(roomId: string, type: string, stateKey: string, content: Record<string, unknown>): Promise<string> {
    const r = await patient(() =>
      this.client.call<{ event_id: string }>(
        'PUT',
        `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`,
        content,
      ),
    );
    return r.event_id;
  }

  async makeRoomAdmin(roomId: string, userId: string): Promise<void> {
    // NOTE: Synapse sends the power-levels change as the room's most powerful local user, under
    // that user's rate limit; a take-over of many rooms of one creator meets M_LIMIT_EXCEEDED.
    await patient(() =>
      this.client.call('POST', `/_synapse/admin/v1/rooms/${enc(roomId)}/make_room_admin`, { user_id: userId }),
    );
  }

  async joinRoom(roomId: string): Promise<void> {
    await patient(() => this.client.call('POST', `/_matrix/client/v3/join/${enc(roomId)}`, {}));
  }

  async exemptFromRateLimits(userId: string): Promise<void> {
    await this.client.call('POST', `/_synapse/admin/v1/users/${enc(userId)}/override_ratelimit`, {
      messages_per_second: 0,
      burst_count: 0,
    });
  }

  async quarantineUserMedia(userId: string): Promise<number> {
    return (
      await this.client.call<{ num_quarantined: number }>(
        'POST',
        `/_synapse/admin/v1/user/${enc(userId)}/media/quarantine`,
        {},
      )
    ).num_quarantined;
  }

  async deleteRoom(roomId: string, o: DeleteRoomOptions, poll: PollOptions): Promise<TaskStatus> {
    const { delete_id } = await found(`Room ${roomId}`, () =>
      this.client.call<{ delete_id: string }>('DELETE', `/_synapse/admin/v2/rooms/${enc(roomId)}`, {
        block: o.block,
        purge: o.purge,
        ...(o.message === undefined ? {} : { message: o.message }),
      }),
    );
    return pollTask(
      `room deletion ${delete_id}`,
      () => this.client.call<TaskStatus>('GET', `/_synapse/admin/v2/rooms/delete_status/${enc(delete_id)}`),
      poll,
    );
  }

  async blockRoom(roomId: string, block: boolean): Promise<void> {
    await this.client.call('PUT', `/_synapse/admin/v1/rooms/${enc(roomId)}/block`, { block });
  }

  async shadowBan(userId: string, on: boolean): Promise<void> {
    await found(`User ${userId}`, () =>
      this.client.call(on ? 'POST' : 'DELETE', `/_synapse/admin/v1/users/${enc(userId)}/shadow_ban`),
    );
  }

  async suspend(userId: string, on: boolean): Promise<void> {
    await found(`User ${userId}`, () =>
      this.client.call('PUT', `/_synapse/admin/v1/suspend/${enc(userId)}`, { suspend: on }),
    );
  }

  async putUser(userId: string, body: Record<string, unknown>): Promise<boolean> {
    const before = await this.client.call<unknown>('GET', `/_synapse/admin/v2/users/${enc(userId)}`).then(
      () => true,
      (error: unknown) => {
        if (isSynapseApiError(error, 404)) return false;
        throw error;
      },
    );
    await this.client.call('PUT', `/_synapse/admin/v2/users/${enc(userId)}`, body);
    return !before;
  }

  async setAdmin(userId: string, on: boolean): Promise<void> {
    await masGuarded(this.client, 'Setting the server-admin flag', () =>
      found(`User ${userId}`, () =>
        this.client.call('PUT', `/_synapse/admin/v1/users/${enc(userId)}/admin`, { admin: on }),
      ),
    );
  }

  async resetPassword(userId: string, password: string, logoutDevices: boolean): Promise<void> {
    await masGuarded(this.client, 'Password reset', () =>
      found(`User ${userId}`, () =>
        this.client.call('POST', `/_synapse/admin/v1/reset_password/${enc(userId)}`, {
          new_password: password,
          logout_devices: logoutDevices,
        }),
      ),
    );
  }

  async quarantineMedia(origin: string, mediaId: string): Promise<void> {
    await this.client.call('POST', `/_synapse/admin/v1/media/quarantine/${enc(origin)}/${enc(mediaId)}`, {});
  }

  async deleteMedia(origin: string, mediaId: string): Promise<number> {
    return (
      await found(`Media mxc://${origin}/${mediaId}`, () =>
        this.client.call<{ total: number }>('DELETE', `/_synapse/admin/v1/media/${enc(origin)}/${enc(mediaId)}`),
      )
    ).total;
  }

  async purgeRemoteMedia(beforeTs: number): Promise<number> {
    return (
      await this.client.call<{ deleted: number }>(
        'POST',
        `/_synapse/admin/v1/purge_media_cache?before_ts=${beforeTs}`,
        {},
      )
    ).deleted;
  }

  async deleteReport(id: string): Promise<void> {
    await found(`Event report ${id}`, () => this.client.call('DELETE', `/_synapse/admin/v1/event_reports/${enc(id)}`));
  }

  async sendServerNotice(userId: string, text: string): Promise<string> {
    try {
      return (
        await this.client.call<{ event_id: string }>('POST', '/_synapse/admin/v1/send_server_notice', {
          user_id: userId,
          content: { msgtype: 'm.text', body: text },
        })
      ).event_id;
    } catch (error) {
      if (isSynapseApiError(error, 400) && error.errcode === 'M_UNKNOWN') {
        throw new MxError('E_CONFIG_INVALID', error.message, {
          // NOTE: deployments written before the template had it lack the section; init adds it.
          hint: 'Server notices need the `server_notices:` section in synapse/homeserver.yaml: `mxctl init --domain DOMAIN --yes` adds it, then `mxctl restart synapse`.',
        });
      }
      throw error;
    }
  }

  async resetDestination(name: string): Promise<void> {
    await found(`Federation destination ${name}`, () =>
      this.client.call('POST', `/_synapse/admin/v1/federation/destinations/${enc(name)}/reset_connection`, {}),
    );
  }
}
