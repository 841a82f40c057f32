// The printer page (/devices/NAME): live status and reasons, its health history, pause/resume/test for admins.
import {
  getJson, me, onEvent, onReconnect, el, replaceRows, announce, formatTime, orDash, showHealth, healthText, actionButtons,
} from './console.js';

const printer = document.body.dataset.printer;
const encoded = encodeURIComponent(printer);
let lastHealth = null;
let paused = null;

function detail(term, value) {
  return [el('dt', {}, term), el('dd', {}, value)];
}

async function showActions(view) {
  const identity = await me();
  const box = document.getElementById('device-actions');
  box.dataset.ready = 'true';
  if (!identity.admin) { box.replaceChildren(); return; }
  actionButtons(box, [
    view.paused ? { label: 'Resume printer', path: `/api/v1/printers/${encoded}/resume` } : { label: 'Pause printer', path: `/api/v1/printers/${encoded}/pause` },
    { label: 'Test printer', path: `/api/v1/printers/${encoded}/test` },
  ], show);
}

function historyRow(entry) {
  return el('tr', {}, el('th', { scope: 'row' }, formatTime(entry.at)),
    el('td', {}, healthText[entry.health] ?? entry.health), el('td', {}, orDash(entry.state)),
    el('td', {}, (entry.reasons ?? []).join(', ') || '–'), el('td', {}, orDash(entry.lastError)));
}

function show(view) {
  showHealth(document.getElementById('device-health'), view.health);
  document.body.dataset.health = view.health;
  document.getElementById('device-live').replaceChildren(
    ...detail('State', el('span', { 'data-field': 'state' }, view.state)),
    ...detail('Reasons', (view.reasons ?? []).join(', ') || 'none'),
    ...detail('Accepting work', view.accepting ? 'yes' : 'no'),
    ...detail('Answering', view.reachable ? 'yes' : 'no'),
    ...detail('Paused', view.paused ? 'yes' : 'no'),
    ...detail('Circuit breaker', view.breakerOpen ? 'open' : 'closed'),
    ...detail('Path in use', `${orDash(view.pathInUse)}${view.usingFallback ? ' (fallback)' : ''}`),
    ...detail('Deliveries', `${view.activeDeliveries} printing, ${view.waitingDeliveries} waiting; ${view.delivered} delivered, ${view.failed} failed`),
    ...detail('Probe latency', view.probeLatencyMs == null ? 'unknown' : `${view.probeLatencyMs.toFixed(1)} ms`),
    ...detail('Last error', orDash(view.lastError)));
  if (view.paused !== paused) { paused = view.paused; showActions(view); }
  if (lastHealth !== null && view.health !== lastHealth) {
    announce(`Printer ${printer} is now ${healthText[view.health] ?? view.health}`);
    const body = document.querySelector('#history tbody');
    if (!body.querySelector('tr[data-entry]')) body.replaceChildren();
    const row = historyRow({ at: new Date().toISOString(), health: view.health, state: view.state, reasons: view.reasons, lastError: view.lastError });
    row.dataset.entry = 'live';
    body.prepend(row);
  }
  lastHealth = view.health;
}

async function load() {
  try {
    show(await getJson(`/api/v1/printers/${encoded}`));
  } catch (error) {
    document.getElementById('device-live').replaceChildren(...detail('State', `Cannot load the printer: ${error.message}`));
  }
  try {
    const history = await getJson(`/api/v1/printers/${encoded}/history`);
    const rows = [...history].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).map((entry) => {
      const row = historyRow(entry);
      row.dataset.entry = 'loaded';
      return row;
    });
    replaceRows(document.querySelector('#history tbody'), rows, 5, 'No change seen since this node started');
  } catch (error) {
    replaceRows(document.querySelector('#history tbody'), [], 5, `Cannot load the history: ${error.message}`);
  }
}

onEvent('printer', (view) => { if (view.name === printer) show(view); });
onReconnect(load);
load().then(() => { document.body.dataset.loaded = 'true'; });
