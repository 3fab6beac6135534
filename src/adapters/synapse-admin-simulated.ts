// The dry-run side of AdminWrites: records what would be done and answers as Synapse would,
// without sending anything. Reads still go to the real server, so a dry run sees real state.
import type { AdminWrites, DeleteRoomOptions, RegistrationToken, TaskStatus } from './synapse-admin.ts';

export interface PlannedAction {
  action: string;
  target: string;
  detail?: unknown;
}

export class SimulatedAdminWrites implements AdminWrites {
  readonly planned: PlannedAction[] = [];

  private plan(action: string, target: string, detail?: unknown): void {
    this.planned.push(detail === undefined ? { action, target } : { action, target, detail });
  }

  createToken(body: Parameters<AdminWrites['createToken']>[0]): Promise<RegistrationToken> {
    const token = body.token ?? '(random)';
    this.plan('create registration token', token, body);
    return Promise.resolve({
      token,
      uses_allowed: body.uses_allowed ?? null,
      pending: 0,
      completed: 0,
      expiry_time: body.expiry_time ?? null,
    });
  }

  updateToken(
    token: string,
    body: Parameters<AdminWrites['updateToken']>[1],
    current: RegistrationToken,
  ): Promise<RegistrationToken> {
    this.plan('update registration token', token, body);
    return Promise.resolve({ ...current, ...body });
  }

  deleteToken(token: string): Promise<void> {
    this.plan('delete registration token', token);
    return Promise.resolve();
  }

  deactivateUser(userId: string, erase: boolean): Promise<void> {
    this.plan(erase ? 'deactivate and erase user' : 'deactivate user', userId);
    return Promise.resolve();
  }

  purgeHistory(roomId: string, o: { beforeTs: number; deleteLocalEvents: boolean }): Promise<TaskStatus> {
    this.plan('purge history', roomId, { purge_up_to_ts: o.beforeTs, delete_local_events: o.deleteLocalEvents });
    return Promise.resolve({ status: 'simulated' });
  }

  sendState(roomId: string, type: string, stateKey: string, content: Record<string, unknown>): Promise<string> {
    this.plan(`send ${type}${stateKey === '' ? '' : ` (${stateKey})`}`, roomId, content);
    return Promise.resolve('$dry-run');
  }

  makeRoomAdmin(roomId: string, userId: string): Promise<void> {
    this.plan(`make ${userId} room admin`, roomId);
    return Promise.resolve();
  }

  joinRoom(roomId: string): Promise<void> {
    this.plan('join as the admin', roomId);
    return Promise.resolve();
  }

  exemptFromRateLimits(userId: string): Promise<void> {
    this.plan('exempt from rate limits', userId);
    return Promise.resolve();
  }

  quarantineUserMedia(userId: string): Promise<number> {
    this.plan("quarantine user's media", userId);
    return Promise.resolve(0);
  }

  deleteRoom(roomId: string, o: DeleteRoomOptions): Promise<TaskStatus> {
    this.plan('delete room', roomId, o);
    return Promise.resolve({ status: 'simulated' });
  }

  blockRoom(roomId: string, block: boolean): Promise<void> {
    this.plan(block ? 'block room' : 'unblock room', roomId);
    return Promise.resolve();
  }

  shadowBan(userId: string, on: boolean): Promise<void> {
    this.plan(on ? 'shadow-ban user' : 'lift shadow-ban', userId);
    return Promise.resolve();
  }

  suspend(userId: string, on: boolean): Promise<void> {
    this.plan(on ? 'suspend user' : 'unsuspend user', userId);
    return Promise.resolve();
  }

  putUser(userId: string, body: Record<string, unknown>): Promise<boolean> {
    const shown = { ...body };
    if ('password' in shown) shown['password'] = '(hidden)';
    this.plan('create or modify user', userId, shown);
    return Promise.resolve(false);
  }

  setAdmin(userId: string, on: boolean): Promise<void> {
    this.plan(on ? 'make server admin' : 'remove server admin', userId);
    return Promise.resolve();
  }

  resetPassword(userId: string, _password: string, logoutDevices: boolean): Promise<void> {
    this.plan('reset password', userId, { logout_devices: logoutDevices });
    return Promise.resolve();
  }

  quarantineMedia(origin: string, mediaId: string): Promise<void> {
    this.plan('quarantine media', `mxc://${origin}/${mediaId}`);
    return Promise.resolve();
  }

  deleteMedia(origin: string, mediaId: string): Promise<number> {
    this.plan('delete media', `mxc://${origin}/${mediaId}`);
    return Promise.resolve(0);
  }

  purgeRemoteMedia(beforeTs: number): Promise<number> {
    this.plan('purge cached remote media', `last accessed before ${new Date(beforeTs).toISOString()}`);
    return Promise.resolve(0);
  }

  deleteReport(id: string): Promise<void> {
    this.plan('resolve (delete) event report', id);
    return Promise.resolve();
  }

  sendServerNotice(userId: string, text: string): Promise<string> {
    this.plan('send server notice', userId, { body: text });
    return Promise.resolve('$dry-run');
  }

  resetDestination(name: string): Promise<void> {
    this.plan('reset federation back-off', name);
    return Promise.resolve();
  }
}
