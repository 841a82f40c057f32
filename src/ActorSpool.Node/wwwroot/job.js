// The job page (/jobs/ID): details and every attempt; cancel/hold/release/restart for its owner or an admin.
import {
  getJson, me, post, onEvent, onReconnect, el, replaceRows, announce, formatTime, orDash, jobStateText, actionButtons, debounce,
  showError,
} from './console.js';

const id = Number(document.body.dataset.job);
const finished = ['completed', 'canceled', 'aborted'];

function detail(term, value) {
  return [el('dt', {}, term), el('dd', {}, value)];
}

// Live events reload the job while earlier renders may still await: only the latest one draws the buttons.
let actionsRender = 0;

async function showActions(job) {
  const render = ++actionsRender;
  const identity = await me();
  if (render !== actionsRender) return;
  const box = document.getElementById('job-actions');
  const allowed = identity.admin || (identity.authenticated && identity.user === job.owner);
  if (!allowed) { box.replaceChildren(); box.dataset.ready = 'true'; return; }
  const path = (action) => `/api/v1/jobs/${id}/${action}`;
  const actions = [];
  if (!finished.includes(job.state)) actions.push({ label: 'Cancel job', path: path('cancel'), confirmText: `Cancel job ${id}?` });
  if (job.state === 'pending') actions.push({ label: 'Hold job', path: path('hold') });
  if (job.state === 'pending-held') actions.push({ label: 'Release job', path: path('release') });
  if (finished.includes(job.state)) actions.push({ label: 'Restart job', path: path('restart') });
  if (job.state !== 'pending' && job.state !== 'pending-held') { actionButtons(box, actions, show); box.dataset.ready = 'true'; return; }
  const queues = await moveTargets(job);
  if (render !== actionsRender) return;
  // A reload keeps the target the user already chose.
  const chosen = document.getElementById('move-target')?.value;
  actionButtons(box, actions, show);
  if (queues.length > 0) box.append(moveForm(box, queues, chosen));
  box.dataset.ready = 'true';
}

async function moveTargets(job) {
  try {
    return (await getJson('/api/v1/queues')).map((q) => q.name).filter((name) => name !== job.queue);
  } catch {
    return []; // without the list of queues there is nothing to offer
  }
}

/** Move to another queue: a new job there with the same documents (the API answers it), this one canceled. */
function moveForm(box, queues, chosen) {
  const select = el('select', { id: 'move-target', name: 'queue' }, ...queues.map((name) => el('option', { value: name }, name)));
  if (chosen && queues.includes(chosen)) select.value = chosen;
  const form = el('form', {
    class: 'move',
    onsubmit: async (event) => {
      event.preventDefault();
      const button = form.querySelector('button');
      button.disabled = true;
      try {
        const moved = await post(`/api/v1/jobs/${id}/move`, { queue: select.value });
        announce(`Job ${id} moved to ${moved.queue} as job ${moved.id}`);
        window.location.assign(`/jobs/${moved.id}`);
      } catch (error) {
        showError(box, `Move job failed: ${error.message}`);
        button.disabled = false;
      }
    },
  }, el('label', { for: 'move-target' }, 'Move to queue'), ' ', select, ' ', el('button', { type: 'submit' }, 'Move job'));
  return form;
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
