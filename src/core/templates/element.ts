// element/config.json: Element Web pointed at our homeserver.
import type { Settings } from '../settings.ts';

export function renderElementConfig(s: Settings): string {
  const config = {
    default_server_config: {
      'm.homeserver': { base_url: `https://${s.MX_MATRIX_HOST}`, server_name: s.MX_SERVER_NAME },
    },
    disable_custom_urls: true,
    disable_guests: true,
    brand: 'Element',
    default_theme: 'light',
    room_directory: { servers: [s.MX_SERVER_NAME] },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
