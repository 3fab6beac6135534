// What a person does in Hydrogen, the lab's test client in the element slot (lab/README.md), as
// clicks and keystrokes on its real UI. Selectors are Hydrogen 0.3.1's own class names.
// Every wait polls (puppeteer locators retry until the element is there), none sleeps.
import type { Page } from 'puppeteer-core';

/** A step of the UI: the initial sync, key upload and room creation take seconds on a busy box. */
export const UI_TIMEOUT = 90_000;

// NOTE: the callbacks given to evaluate/waitForFunction run in the browser. This Node project has
// no DOM lib, so they name the little of the page they touch through these shapes.
interface ImageNode {
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
  currentSrc: string;
  closest(selector: string): unknown;
}
interface PageGlobals {
  location: { hash: string };
  document: { querySelectorAll(selector: string): Iterable<ImageNode> };
}

function text(s: string): string {
  // NOTE: puppeteer's text selector takes the text in quotes; a quote in it is escaped.
  return `::-p-text(${JSON.stringify(s)})`;
}

async function click(page: Page, selector: string): Promise<void> {
  await page.locator(selector).setTimeout(UI_TIMEOUT).click();
}

/** Opens the chat host and fills in Hydrogen's sign-in form (the homeserver comes from config.json). */
export async function submitSignIn(page: Page, chatUrl: string, user: string, password: string): Promise<void> {
  await page.goto(chatUrl, { waitUntil: 'load', timeout: UI_TIMEOUT });
  await page.locator('#username').setTimeout(UI_TIMEOUT).fill(user);
  await page.locator('#password').setTimeout(UI_TIMEOUT).fill(password);
  await click(page, '.PasswordLoginView button[type=submit]');
}

/** Signs in and waits for the session (the room list); returns Hydrogen's session id from the URL. */
export async function signIn(page: Page, chatUrl: string, user: string, password: string): Promise<string> {
  await submitSignIn(page, chatUrl, user, password);
  await page.waitForSelector('.SessionView .LeftPanel', { timeout: UI_TIMEOUT });
  const m = /#\/session\/([^/]+)/.exec(page.url());
  if (m?.[1] === undefined) throw new Error(`signed in, but the URL names no session: ${page.url()}`);
  return m[1];
}

/** The error Hydrogen's sign-in form shows, once it shows one. */
export async function signInError(page: Page): Promise<string> {
  const el = await page.waitForSelector('.PasswordLoginView .error', { timeout: UI_TIMEOUT });
  return (await el?.evaluate((e) => (e as unknown as { textContent: string | null }).textContent)) ?? '';
}

/** The room id of the room on screen (Hydrogen's URL is #/session/ID/room/ROOM_ID). */
export async function currentRoomId(page: Page): Promise<string> {
  const handle = await page.waitForFunction(
    () => /\/room\/(![^/]+)/.exec(decodeURIComponent((globalThis as unknown as PageGlobals).location.hash))?.[1],
    { timeout: UI_TIMEOUT },
  );
  return (await handle.jsonValue()) as string;
}

/** Create room → name → encrypted or not → Create; waits until the new room is open. */
export async function createRoom(page: Page, name: string, encrypted: boolean): Promise<string> {
  await click(page, '.LeftPanel .button-utility.create');
  await click(page, `.menu ${text('Create Room')}`);
  await page.locator('.CreateRoomView #name').setTimeout(UI_TIMEOUT).fill(name);
  const box = await page.waitForSelector('.CreateRoomView #isEncrypted', { timeout: UI_TIMEOUT });
  if ((await box?.evaluate((e) => (e as unknown as { checked: boolean }).checked)) !== encrypted) await box?.click();
  await click(page, '.CreateRoomView button[type=submit]');
  // NOTE: Hydrogen 0.3.1 creates the room but then shows no room (its URL ends in /room/): open
  // the new room from the room list, as a person would.
  await openRoom(page, name);
  await page.waitForSelector('.RoomView .MessageComposer textarea', { timeout: UI_TIMEOUT });
  return await currentRoomId(page);
}

/** Room options → Room details → People → Invite to this room → user id → Invite. */
export async function invite(page: Page, userId: string): Promise<void> {
  await click(page, '.RoomHeader .room-options');
  await click(page, `.menu ${text('Room details')}`);
  await click(page, `.RightPanelView ${text('People')}`);
  await click(page, '.MemberListView__invite-btn');
  await page.locator('.InvitePanelView__input').setTimeout(UI_TIMEOUT).fill(userId);
  await click(page, '.InvitePanelView__btn');
  // The panel closes once the invite is sent, and the timeline says so (by display name: the localpart).
  const name = userId.slice(1).split(':')[0] ?? userId;
  await page.waitForSelector(`.Timeline ${text(`${name} was invited to the room`)}`, { timeout: UI_TIMEOUT });
}

/** Clicks the room in the room list (by name). */
export async function openRoom(page: Page, name: string): Promise<void> {
  await click(page, `.RoomList ${text(name)}`);
}

/** Opens the invite by its room name and accepts it; waits for the composer. */
export async function acceptInvite(page: Page, roomName: string): Promise<void> {
  await openRoom(page, roomName);
  await click(page, `.InviteView ${text('Accept')}`);
  await page.waitForSelector('.RoomView .MessageComposer textarea', { timeout: UI_TIMEOUT });
}

/** Types into the composer and presses Enter. */
export async function send(page: Page, message: string): Promise<void> {
  await page.locator('.MessageComposer textarea').setTimeout(UI_TIMEOUT).fill(message);
  await page.keyboard.press('Enter');
}

/** Waits until the timeline shows the text as a message body. */
export async function waitForMessage(page: Page, message: string): Promise<void> {
  await page.waitForSelector(`.Timeline .Timeline_messageBody ${text(message)}`, { timeout: UI_TIMEOUT });
}

/** Send file → Send picture → picks the file in the browser's file chooser. */
export async function sendPicture(page: Page, file: string): Promise<void> {
  await click(page, '.MessageComposer .sendFile');
  const [chooser] = await Promise.all([
    page.waitForFileChooser({ timeout: UI_TIMEOUT }),
    click(page, `.menu ${text('Send picture')}`),
  ]);
  await chooser.accept([file]);
}

/** Waits for an image in the timeline that has really loaded (decoded pixels); returns its size and URL. */
export async function waitForTimelineImage(page: Page): Promise<{ width: number; height: number; src: string }> {
  const handle = await page.waitForFunction(
    () => {
      const img = [...(globalThis as unknown as PageGlobals).document.querySelectorAll('.Timeline img')].find(
        (i) => i.closest('.media') !== null && i.complete && i.naturalWidth > 0,
      );
      return img === undefined
        ? undefined
        : { width: img.naturalWidth, height: img.naturalHeight, src: img.currentSrc };
    },
    { timeout: UI_TIMEOUT, polling: 500 },
  );
  return (await handle.jsonValue()) as { width: number; height: number; src: string };
}
