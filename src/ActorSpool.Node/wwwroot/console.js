// Shared by every console page: API calls (with the CSRF header), who is logged in, the one EventSource of the
// cluster's live events, announcements for screen readers and small DOM helpers. No framework, no CDN.

const fetchHeaders = { 'X-Requested-With': 'fetch', Accept: 'application/json' };

/** A failed API call, with the problem details' title and detail when the node sent them. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function readJson(response) {
  const type = response.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export async function getJson(path) {
  return readJson(await fetch(path, { headers: fetchHeaders, credentials: 'same-origin' }));
}

let mePromise = null;

/** GET /api/v1/me once per page: { user, authenticated, admin, csrfToken }. */
export function me() {
  mePromise ??= getJson('/api/v1/me').catch(() => ({ user: null, authenticated: false, admin: false, csrfToken: null }));
  return mePromise;
}

/** POST with the CSRF token of /api/v1/me; answers the resource's new view or throws ApiError. */
export async function post(path, body) {
  const identity = await me();
  const headers = { ...fetchHeaders };
  if (identity.csrfToken) headers['X-CSRF-Token'] = identity.csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method: 'POST', headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  return readJson(response);
}

/** Says something to screen readers through the page's polite live region. */
export function announce(text) {
  const region = document.getElementById('announcer');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after clearing makes readers announce a repeated message too.
  setTimeout(() => { region.textContent = text; }, 50);
}

/** Creates an element: el('td', { class: 'x', dataset: { a: '1' } }, 'text', child). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function replaceRows(tbody, rows, columns, emptyText) {
  tbody.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: columns }, emptyText))]));
}

export function formatTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

export function orDash(value) {
  return value === null || value === undefined || value === '' ? '–' : String(value);
}

/** Job states as people read them (the API says pending-held, events say held). */
export function jobStateText(state) {
  return { 'pending-held': 'held', 'processing-stopped': 'processing (stopped)' }[state] ?? state;
}

export const healthText = {
  ok: 'ok', paused: 'paused', fallback: 'fallback path in use', 'breaker-open': 'breaker open', offline: 'offline', unknown: 'unknown',
};

/** Sets an element's health class (colour) and its words (the same information without colour). */
export function showHealth(element, health, label) {
  for (const name of [...element.classList]) if (name.startsWith('health-')) element.classList.remove(name);
  element.classList.add(`health-${health ?? 'unknown'}`);
  const text = healthText[health] ?? String(health);
  if (label) label.textContent = text;
  else element.textContent = text;
}

/** A PrinterView's state in words: state, then what keeps it from printing. */
export function printerDetail(printer) {
  const parts = [printer.state];
  if (!printer.reachable) parts.push('not answering');
  if (printer.paused) parts.push('paused');
  if (printer.activeDeliveries) parts.push(`${printer.activeDeliveries} printing`);
  if (printer.waitingDeliveries) parts.push(`${printer.waitingDeliveries} waiting`);
  return parts.join(', ');
}

/** Updates a printer tile (li[data-printer]) from a PrinterView. */
export function updatePrinterTile(tile, printer) {
  showHealth(tile, printer.health, tile.querySelector('.health'));
  tile.querySelector('.detail').textContent = printerDetail(printer);
}

const listeners = new Map();
let source = null;

/** Calls handler(data) for each live event of that type (job, printer, member, balancer, stats, queue). */
export function onEvent(type, handler) {
  if (!listeners.has(type)) {
    listeners.set(type, []);
    connect().addEventListener(type, (message) => {
      let data;
      try { data = JSON.parse(message.data); } catch { return; }
      for (const listener of listeners.get(type)) listener(data);
    });
  }
  listeners.get(type).push(handler);
}

/** Calls handler() when the stream reconnects, so the page reloads what it may have missed. */
export function onReconnect(handler) {
  connect();
  reconnectHandlers.push(handler);
}

const reconnectHandlers = [];

function connect() {
  if (source) return source;
  source = new EventSource('/api/v1/events');
  let opened = false;
  const status = document.getElementById('connection');
  source.addEventListener('open', () => {
    if (status) status.textContent = 'live updates on';
    document.body.dataset.live = 'on';
    if (opened) for (const handler of reconnectHandlers) handler();
    opened = true;
  });
  source.addEventListener('error', () => {
    if (status) status.textContent = 'live updates interrupted, reconnecting…';
    document.body.dataset.live = 'off';
  });
  return source;
}

/** Runs fn at most once per delay, the last call winning (reloads after bursts of events). */
export function debounce(fn, delay = 400) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), delay);
  };
}

/** Buttons that POST an action; each reports its outcome in the live region and in `status`. */
export function actionButtons(container, actions, onDone) {
  container.replaceChildren(...actions.map(({ label, path, confirmText }) => el('button', {
    type: 'button',
    onclick: async (event) => {
      const button = event.currentTarget;
      if (confirmText && !window.confirm(confirmText)) return;
      button.disabled = true;
      try {
        const view = await post(path);
        announce(`${label}: done`);
        onDone?.(view);
      } catch (error) {
        announce(`${label} failed: ${error.message}`);
        showError(container, `${label} failed: ${error.message}`);
      } finally {
        button.disabled = false;
      }
    },
  }, label)));
}

export function showError(near, text) {
  let box = near.parentElement.querySelector('.error');
  if (!box) {
    box = el('p', { class: 'error', role: 'alert' });
    near.after(box);
  }
  box.textContent = text;
}

/** Fills the header's login state: who is logged in and a log-out button, else the log-in link. */
async function showIdentity() {
  const identity = await me();
  const box = document.getElementById('identity');
  if (!box || !identity.authenticated) return;
  const logout = el('button', {
    type: 'button',
    class: 'link-button',
    onclick: async () => {
      const headers = { 'X-Requested-With': 'fetch' };
      if (identity.csrfToken) headers['X-CSRF-Token'] = identity.csrfToken;
      await fetch('/logout', { method: 'POST', headers, credentials: 'same-origin' });
      window.location.reload();
    },
  }, 'Log out');
  box.replaceChildren(el('span', { id: 'who' }, `Logged in as ${identity.user}${identity.admin ? ' (admin)' : ''}`), ' ', logout);
}

showIdentity();
