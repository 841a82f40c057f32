// The job page (/jobs/ID): details and every attempt; cancel/hold/release/restart for its owner or an admin.
import {
  getJson, me, onEvent, onReconnect, el, replaceRows, announce, formatTime, orDash, jobStateText, actionButtons, debounce,
} from './console.js';

const id = Number(document.body.dataset.job);
const finished = ['completed', 'canceled', 'aborted'];

function detail(term, value) {
  return [el('dt', {}, term), el('dd', {}, value)];
}

async function showActions(job) {
  const identity = await me();
  const box = document.getElementById('job-actions');
  const allowed = identity.admin || (identity.authenticated && identity.user === job.owner);
  box.dataset.ready = 'true';
  if (!allowed) { box.replaceChildren(); return; }
  const path = (action) => `/api/v1/jobs/${id}/${action}`;
  const actions = [];
  if (!finished.includes(job.state)) actions.push({ label: 'Cancel job', path: path('cancel'), confirmText: `Cancel job ${id}?` });
  if (job.state === 'pending') actions.push({ label: 'Hold job', path: path('hold') });
  if (job.state === 'pending-held') actions.push({ label: 'Release job', path: path('release') });
  if (finished.includes(job.state)) actions.push({ label: 'Restart job', path: path('restart') });
  actionButtons(box, actions, show);
}

function show(job) {
  const link = document.getElementById('job-queue-link');
  link.href = `/printers/${encodeURIComponent(job.queue)}`;
  link.textContent = `Queue ${job.queue}`;
  document.getElementById('job-details').replaceChildren(
    ...detail('State', el('span', { 'data-field': 'state' }, jobStateText(job.state))),
    ...detail('Reasons', (job.reasons ?? []).join(', ') || '–'),
    ...detail('Name', orDash(job.name)),
    ...detail('Owner', orDash(job.owner)),
    ...detail('Queue', job.queue),
    ...detail('Priority', orDash(job.priority)),
    ...detail('Documents', `${job.documents} (${job.bytes} bytes)`),
    ...detail('Copies', `${job.copies}${job.uncollatedCopies ? ', uncollated' : ''}`),
    ...detail('Printer', orDash(job.printer)),
    // GET /api/v1/jobs/ID moves the count to attemptCount (attempts is then the list); actions answer the plain view.
    ...detail('Attempts', orDash(typeof job.attempts === 'number' ? job.attempts : job.attemptCount)),
    ...detail('Submitted', formatTime(job.submittedAt)),
    ...detail('Processing since', formatTime(job.processingAt)),
    ...detail('Finished', formatTime(job.completedAt)),
    ...(job.canceledBy ? detail('Canceled by', job.canceledBy) : []),
    ...(job.lastError ? detail('Last error', job.lastError) : []));
  document.body.dataset.jobState = job.state;
  if (job.attempts !== undefined && Array.isArray(job.attempts)) {
    const rows = job.attempts.map((a) => el('tr', {},
      el('th', { scope: 'row' }, `${a.attempt}`), el('td', {}, orDash(a.printer)), el('td', {}, orDash(a.node)),
      el('td', {}, orDash(a.outcome)), el('td', {}, formatTime(a.startedAt)), el('td', {}, formatTime(a.endedAt)),
      el('td', {}, orDash(a.error))));
    replaceRows(document.querySelector('#attempts tbody'), rows, 7, 'No attempt yet');
  }
  showActions(job);
}

async function load() {
  try {
    show(await getJson(`/api/v1/jobs/${id}`));
  } catch (error) {
    document.getElementById('job-details').replaceChildren(...detail('State', error.status === 404 ? `No job ${id}` : `Cannot load the job: ${error.message}`));
    replaceRows(document.querySelector('#attempts tbody'), [], 7, '–');
  }
}

const reload = debounce(load, 200);
onEvent('job', (change) => {
  if (change.jobId !== id) return;
  announce(`Job ${id} ${jobStateText(change.state)}`);
  reload();
});
onReconnect(load);
load().then(() => { document.body.dataset.loaded = 'true'; });
