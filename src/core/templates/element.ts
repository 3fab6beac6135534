// element/config.json: Element Web pointed at our homeserver, mounted at /app/config.json (the
// Element image's contract). Only options from Element Web's documented config (docs/config.md):
// ELEMENT_CONFIG_KEYS lists them, and the unit tests hold the file to that list.
import type { Settings } from '../settings.ts';

/** The documented Element Web options this file uses. */
export const ELEMENT_CONFIG_KEYS = [
  'default_server_config',
  'disable_custom_urls',
  'disable_guests',
  'disable_3pid_login',
  'brand',
  'default_theme',
  'room_directory',
  'setting_defaults',
] as const;

/** The UI features (set through setting_defaults) that follow from how this server signs people up. */
export const ELEMENT_UI_FEATURES = {
  // Sign-up stays on: Synapse asks for a registration token (registration_requires_token), and
  // Element's sign-up form shows the token step when the server's flow has it.
  'UIFeature.registration': true,
  // NOTE: no e-mail is configured in homeserver.yaml, so Synapse cannot send a reset link, and
  // no identity server: hide what cannot work rather than let people hit an error.
  'UIFeature.passwordReset': false,
  'UIFeature.identityServer': false,
  'UIFeature.thirdPartyId': false,
} as const;

export function renderElementConfig(s: Settings): string {
  const config: Record<(typeof ELEMENT_CONFIG_KEYS)[number], unknown> = {
    // The same object as /.well-known/matrix/client, plus server_name for display.
    default_server_config: {
      'm.homeserver': { base_url: `https://${s.MX_MATRIX_HOST}`, server_name: s.MX_SERVER_NAME },
    },
    disable_custom_urls: true,
    disable_guests: true,
    // Token-only sign-up: no e-mail or phone number on the sign-in and sign-up forms.
    disable_3pid_login: true,
    brand: 'Element',
    default_theme: 'light',
    room_directory: { servers: [s.MX_SERVER_NAME] },
    setting_defaults: { ...ELEMENT_UI_FEATURES },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
