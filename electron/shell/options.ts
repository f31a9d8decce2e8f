// Window option builders: pure functions (types only from 'electron'), so a unit test can assert
// every window's security settings without an Electron binary.
import type { BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { secureWebPreferences } from './security';

const BG = '#d4d4d4';

export function mainWindowOptions(preload: string, bounds?: Partial<Rectangle>): BrowserWindowConstructorOptions {
  return {
    width: 1600,
    height: 1000,
    ...bounds,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    backgroundColor: BG,
    title: 'AegisFlow control room',
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preload),
  };
}

/** A pane popped out onto another monitor: same hardening, its own remembered bounds. */
export function paneWindowOptions(preload: string, title: string, bounds?: Partial<Rectangle>): BrowserWindowConstructorOptions {
  return {
    width: 900,
    height: 700,
    ...bounds,
    minWidth: 420,
    minHeight: 300,
    show: false,
    backgroundColor: BG,
    title: `AegisFlow · ${title}`,
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preload),
  };
}

/**
 * The compact approval pop-up: always on top (so an operator working in another program sees it),
 * no minimise (it must not hide in the taskbar while a request is pending), focusable for the
 * keyboard. Shown without stealing focus from what the operator is typing into.
 */
export function approvalPopupOptions(preload: string, bounds?: Partial<Rectangle>): BrowserWindowConstructorOptions {
  return {
    width: 520,
    height: 560,
    ...bounds,
    minWidth: 380,
    minHeight: 320,
    show: false,
    alwaysOnTop: true,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    skipTaskbar: false,
    backgroundColor: BG,
    title: 'AegisFlow · approval needed',
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preload),
  };
}
