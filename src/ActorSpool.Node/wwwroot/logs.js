// The log page (/logs): this node's recent log lines and a live tail, for admins; others see a notice to log in.
import { me, el, formatTime } from './console.js';

const list = document.getElementById('log-lines');
const notice = document.getElementById('logs-notice');
const pauseButton = document.getElementById('logs-pause');
const keep = 1000;
let tailing = true;
let held = [];

function line(entry) {
  return el('li', { class: `log-${(entry.level ?? '').toLowerCase()}` },
    el('time', { datetime: entry.time }, formatTime(entry.time)), ' ',
    el('span', { class: 'level' }, entry.level), ' ',
    el('span', { class: 'category' }, entry.category), ' ',
    el('span', { class: 'message' }, entry.message),
    entry.exception ? el('pre', {}, entry.exception) : null);
}

function append(entries) {
  list.append(...entries.map(line));
  while (list.childElementCount > keep) list.firstElementChild.remove();
  if (tailing) list.lastElementChild?.scrollIntoView({ block: 'nearest' });
}

async function start() {
  const identity = await me();
  if (!identity.admin) {
    const login = el('a', { href: `/login?returnUrl=${encodeURIComponent('/logs')}` }, 'Log in');
    notice.replaceChildren(identity.authenticated
      ? `${identity.user} is not an administrator: only administrators may read the logs.`
      : el('span', {}, 'Only administrators may read the logs. ', login, ' as an administrator to see them.'));
    return;
  }
  notice.textContent = 'The last 200 lines, then new ones as they are written.';
  pauseButton.hidden = false;
  pauseButton.addEventListener('click', () => {
    tailing = !tailing;
    pauseButton.textContent = tailing ? 'Pause the tail' : 'Resume the tail';
    if (tailing) { append(held); held = []; }
  });
  // One stream gives the last 200 lines and then the new ones, so none falls between a fetch and the tail.
  // Every (re)connection starts over with a fresh backlog: what was shown is replaced, not doubled.
  const stream = new EventSource('/api/v1/logs/stream?lines=200');
  stream.addEventListener('open', () => { list.replaceChildren(); held = []; });
  stream.addEventListener('ready', () => { document.body.dataset.tail = 'on'; });
  stream.addEventListener('error', () => {
    document.body.dataset.tail = 'off';
    if (stream.readyState === EventSource.CLOSED) notice.textContent = 'Cannot load the logs: the node refused the stream; reload to try again.';
  });
  stream.addEventListener('log', (message) => {
    let entry;
    try { entry = JSON.parse(message.data); } catch { return; }
    if (tailing) append([entry]); else held.push(entry);
  });
}

start().then(() => { document.body.dataset.loaded = 'true'; });
