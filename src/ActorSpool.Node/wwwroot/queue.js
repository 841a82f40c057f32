// The queue page (/printers/NAME): state and counts, printers, the job list (filters, search, paging by the API's
// cursor) and pause/resume for admins, all kept live by /api/v1/events.
import {
  getJson, me, onEvent, onReconnect, el, replaceRows, updatePrinterTile, announce, debounce, formatTime, orDash,
  jobStateText, actionButtons,
} from './console.js';

const queue = document.body.dataset.queue;
const encoded = encodeURIComponent(queue);
const pageSize = 20;
const jobsBody = document.querySelector('#jobs tbody');
let cursors = [null]; // the cursor of each page shown so far; the last is the current page's
let nextCursor = null;
let jobs = [];

let printable = null; // the full view's state: 'ready' or 'no-printer' (queue events carry only the counts and paused)

function stateText(view) {
  if (view.paused) return 'paused (accepting jobs, printing none)';
  if (printable === 'no-printer') return 'stopped (no printer is taking work)';
  return view.processing > 0 ? 'processing' : 'idle';
}

function showCounts(view) {
  for (const name of ['pending', 'held', 'processing', 'completed', 'canceled', 'aborted']) {
    const cell = document.querySelector(`[data-count="${name}"]`);
    if (cell && view[name] !== undefined) cell.textContent = view[name];
  }
}

async function showActions(view) {
  const identity = await me();
  const box = document.getElementById('queue-actions');
  if (identity.admin) {
    const action = view.paused ? 'resume' : 'pause';
    actionButtons(box, [{ label: view.paused ? 'Resume queue' : 'Pause queue', path: `/api/v1/queues/${encoded}/${action}` }], showQueue);
  } else {
    box.replaceChildren();
  }
  box.dataset.ready = 'true';
}

let paused = null;

function showQueue(view) {
  if (view.paused !== undefined && view.paused !== paused) {
    paused = view.paused;
    showActions(view);
  }
  if (view.state !== undefined && view.state !== 'paused') printable = view.state;
  document.getElementById('queue-state').textContent = stateText(view);
  if (view.hostNode !== undefined) document.getElementById('queue-host').textContent = orDash(view.hostNode);
  showCounts(view);
}

async function loadQueue() {
  try {
    const view = await getJson(`/api/v1/queues/${encoded}`);
    showQueue(view);
    await showActions(view);
  } catch (error) {
    announce(`Cannot load the queue: ${error.message}`);
  }
}

async function loadPrinters() {
  const tiles = document.querySelectorAll('#queue-printers li[data-printer]');
  await Promise.all([...tiles].map(async (tile) => {
    try {
      updatePrinterTile(tile, await getJson(`/api/v1/printers/${encodeURIComponent(tile.dataset.printer)}`));
    } catch { /* the tile keeps its last known health */ }
  }));
}

function filters() {
  const form = document.getElementById('job-filter');
  return { state: form.state.value, user: form.user.value.trim(), search: form.q.value.trim().toLowerCase() };
}

function jobRow(job) {
  return el('tr', { dataset: { job: job.id, state: job.state } },
    el('th', { scope: 'row' }, el('a', { href: `/jobs/${job.id}` }, `${job.id}`)),
    el('td', {}, orDash(job.name)),
    el('td', {}, orDash(job.owner)),
    el('td', { 'data-field': 'state' }, jobStateText(job.state)),
    el('td', { 'data-field': 'printer' }, orDash(job.printer)),
    el('td', {}, formatTime(job.submittedAt)));
}

function showJobs() {
  const { search } = filters();
  const shown = jobs;
  replaceRows(jobsBody, shown.map(jobRow), 6, search ? 'No job matches the search' : 'No jobs');
  document.getElementById('first-page').disabled = cursors.length <= 1;
  document.getElementById('next-page').disabled = !nextCursor;
  document.getElementById('page-info').textContent = `Page ${cursors.length}, ${shown.length} job${shown.length === 1 ? '' : 's'} shown`;
}

async function loadJobs() {
  const { state, user, search } = filters();
  const query = new URLSearchParams({ queue, limit: pageSize });
  if (state) query.set('state', state);
  if (user) query.set('user', user);
  if (search) query.set('search', search); // part of the name or owner, searched by the API over every job
  const cursor = cursors[cursors.length - 1];
  if (cursor) query.set('cursor', cursor);
  try {
    const answer = await getJson(`/api/v1/jobs?${query}`);
    jobs = answer.jobs ?? [];
    nextCursor = answer.nextCursor ?? null;
    showJobs();
  } catch (error) {
    replaceRows(jobsBody, [], 6, `Cannot load the jobs: ${error.message}`);
  }
}

document.getElementById('job-filter').addEventListener('submit', (event) => {
  event.preventDefault();
  cursors = [null];
  loadJobs().then(() => announce(document.getElementById('page-info').textContent));
});
document.getElementById('filter-search').addEventListener('input', debounce(() => { cursors = [null]; loadJobs(); }));
document.getElementById('next-page').addEventListener('click', () => {
  if (!nextCursor) return;
  cursors.push(nextCursor);
  loadJobs().then(() => announce(document.getElementById('page-info').textContent));
});
document.getElementById('first-page').addEventListener('click', () => {
  cursors = [null];
  loadJobs().then(() => announce(document.getElementById('page-info').textContent));
});

const reloadJobs = debounce(loadJobs, 300);
const reloadQueue = debounce(loadQueue, 500);

onEvent('job', (change) => {
  if (change.queue !== queue) return;
  const job = jobs.find((j) => j.id === change.jobId);
  if (job) {
    job.state = change.state === 'held' ? 'pending-held' : change.state;
    if (change.printer) job.printer = change.printer;
    const row = jobsBody.querySelector(`tr[data-job="${change.jobId}"]`);
    if (row) {
      row.dataset.state = job.state;
      row.querySelector('[data-field="state"]').textContent = jobStateText(job.state);
      row.querySelector('[data-field="printer"]').textContent = orDash(job.printer);
    }
    announce(`Job ${change.jobId} ${jobStateText(change.state)}`);
  } else if (cursors.length === 1) {
    reloadJobs(); // a new job: it belongs on the first page
    announce(`Job ${change.jobId} ${jobStateText(change.state)}`);
  }
});
onEvent('queue', (view) => { if (view.name === queue) showQueue(view); });
onEvent('printer', (printer) => {
  const tile = document.querySelector(`#queue-printers li[data-printer="${CSS.escape(printer.name)}"]`);
  if (tile) {
    updatePrinterTile(tile, printer);
    reloadQueue(); // whether any printer takes work decides the queue's state
  }
});
onReconnect(() => { loadQueue(); loadPrinters(); loadJobs(); });

Promise.all([loadQueue(), loadPrinters(), loadJobs()]).then(() => { document.body.dataset.loaded = 'true'; });
