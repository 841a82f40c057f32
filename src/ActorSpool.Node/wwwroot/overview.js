// The overview (/): members and the balancer's host, queues with backlog and throughput, printer tiles by health
// and the 15-minute chart, loaded from the REST API and kept live by /api/v1/events.
import {
  getJson, onEvent, onReconnect, el, replaceRows, updatePrinterTile, announce, debounce, orDash,
} from './console.js';
import { drawChart, colourOf } from './chart.js';

const windowMs = 15 * 60000;
const stats = new Map(); // node -> [{ t, submitted, completed, p95 }]
const completedSeen = new Map(); // queue -> [{ t, completed }] for completed per minute
const removed = new Map(); // address -> roles of members this page saw leave (the cluster state forgets them)

async function loadCluster() {
  try {
    const cluster = await getJson('/api/v1/cluster');
    document.getElementById('balancer-host').textContent = orDash(cluster.balancerHost);
    const members = cluster.members ?? [];
    for (const m of members) removed.delete(m.address); // back under the same address
    // Members removed while this page was open stay listed as removed, so the operator sees where they went.
    const gone = [...removed].map(([address, roles]) => ({ address, roles, status: 'removed', reachability: '–' }));
    const rows = [...members, ...gone].map((m) => el('tr', { dataset: { member: m.address, status: m.status, reachability: m.reachability } },
      el('th', { scope: 'row' }, m.address, m.self ? ' (this node)' : '', m.leader ? ' (leader)' : ''),
      el('td', { 'data-field': 'status' }, m.status),
      el('td', { 'data-field': 'reachability' }, m.reachability),
      el('td', {}, (m.roles ?? []).join(', ')),
      el('td', {}, (m.queues ?? []).join(', ') || '–')));
    replaceRows(document.querySelector('#members tbody'), rows, 5, 'No members');
  } catch (error) {
    replaceRows(document.querySelector('#members tbody'), [], 5, `Cannot load the members: ${error.message}`);
  }
}

function showQueue(queue) {
  const row = document.querySelector(`#queues tr[data-queue="${CSS.escape(queue.name)}"]`);
  if (!row) return;
  const set = (field, value) => { const cell = row.querySelector(`[data-field="${field}"]`); if (cell) cell.textContent = orDash(value); };
  if (queue.state !== undefined) set('state', queue.state);
  else if (queue.paused !== undefined) set('state', queue.paused ? 'paused' : row.querySelector('[data-field="state"]').textContent.replace('paused', 'ready'));
  for (const field of ['pending', 'held', 'processing', 'completed']) if (queue[field] !== undefined) set(field, queue[field]);
  if (queue.completed !== undefined) {
    const now = Date.now();
    const seen = (completedSeen.get(queue.name) ?? []).filter((s) => now - s.t <= 60000);
    seen.push({ t: now, completed: queue.completed });
    completedSeen.set(queue.name, seen);
    const span = (now - seen[0].t) / 60000;
    set('throughput', span >= 0.1 ? ((queue.completed - seen[0].completed) / span).toFixed(1) : '–');
  }
}

async function loadQueues() {
  try {
    for (const queue of await getJson('/api/v1/queues')) showQueue(queue);
  } catch (error) {
    announce(`Cannot load the queues: ${error.message}`);
  }
}

function showPrinter(printer) {
  const tile = document.querySelector(`#printers li[data-printer="${CSS.escape(printer.name)}"]`);
  if (tile) updatePrinterTile(tile, printer);
}

async function loadPrinters() {
  try {
    for (const printer of await getJson('/api/v1/printers')) showPrinter(printer);
  } catch (error) {
    announce(`Cannot load the printers: ${error.message}`);
  }
}

function addSample(node, sample) {
  const samples = stats.get(node) ?? [];
  const t = Date.parse(sample.at);
  if (samples.length && samples[samples.length - 1].t >= t) return;
  samples.push({ t, submitted: sample.submittedPerSecond, completed: sample.completedPerSecond, p95: sample.p95SubmitToPrintedMs ?? null });
  while (samples.length && samples[0].t < t - windowMs) samples.shift();
  stats.set(node, samples);
}

function drawStats() {
  const to = Date.now();
  const from = to - windowMs;
  const nodes = [...stats.keys()].sort();
  drawChart(document.getElementById('chart-rate'), {
    title: 'Jobs per second submitted and completed per node, last 15 minutes',
    from, to,
    series: nodes.flatMap((node, i) => [
      { label: `${node} submitted`, colour: colourOf(i), points: stats.get(node).map((s) => ({ t: s.t, v: s.submitted })) },
      { label: `${node} completed`, colour: colourOf(i), dash: '6 4', points: stats.get(node).map((s) => ({ t: s.t, v: s.completed })) },
    ]),
  });
  drawChart(document.getElementById('chart-p95'), {
    title: '95th percentile submit-to-printed time per node, last 15 minutes',
    from, to,
    series: nodes.map((node, i) => ({ label: `${node} p95`, colour: colourOf(i), points: stats.get(node).map((s) => ({ t: s.t, v: s.p95 })) })),
  });
  const rows = nodes.map((node) => {
    const last = stats.get(node).at(-1);
    return el('tr', { dataset: { node } }, el('th', { scope: 'row' }, node),
      el('td', {}, last ? last.submitted.toFixed(2) : '–'), el('td', {}, last ? last.completed.toFixed(2) : '–'),
      el('td', {}, last?.p95 != null ? `${Math.round(last.p95)} ms` : '–'));
  });
  replaceRows(document.querySelector('#stats-latest tbody'), rows, 4, 'No figures yet');
}

async function loadStats() {
  try {
    const answer = await getJson('/api/v1/stats?minutes=15');
    stats.clear();
    for (const node of answer.nodes ?? []) for (const sample of node.samples ?? []) addSample(node.node, sample);
  } catch (error) {
    replaceRows(document.querySelector('#stats-latest tbody'), [], 4, `Cannot load the figures: ${error.message}`);
    return;
  }
  drawStats();
}

const reloadCluster = debounce(loadCluster);

/** A member's row follows its event at once; the reload that follows may wait on a moving balancer for seconds. */
function showMember(member) {
  const row = document.querySelector(`#members tr[data-member="${CSS.escape(member.address)}"]`);
  if (!row) return;
  const gone = member.event === 'removed';
  const status = gone ? 'removed' : member.status;
  const reachability = gone ? '–' : member.reachability;
  row.dataset.status = status;
  row.dataset.reachability = reachability;
  row.querySelector('[data-field="status"]').textContent = status;
  row.querySelector('[data-field="reachability"]').textContent = reachability;
}

onEvent('member', (member) => {
  if (member.event === 'removed') removed.set(member.address, member.roles ?? []);
  showMember(member);
  reloadCluster();
  announce(`Member ${member.address}: ${member.event ?? member.status}`);
});
onEvent('balancer', (balancer) => {
  document.getElementById('balancer-host').textContent = orDash(balancer.singleton);
  announce(`The balancer is now hosted by ${balancer.singleton}`);
  reloadCluster();
});
onEvent('queue', showQueue);
onEvent('printer', showPrinter);
onEvent('stats', (sample) => { addSample(sample.node, sample); drawStats(); });
onReconnect(() => { loadCluster(); loadQueues(); loadPrinters(); loadStats(); });

// data-loaded tells tests (and the curious) that the first load is done; later updates come from events.
Promise.all([loadCluster(), loadQueues(), loadPrinters(), loadStats()]).then(() => { document.body.dataset.loaded = 'true'; });
