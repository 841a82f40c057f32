// Inline SVG line charts of the last 15 minutes (no library): one line per node and series. Colours tell nodes apart
// and the legend names them; dash patterns tell series apart, and a table beside the charts has the same figures.

const svgNs = 'http://www.w3.org/2000/svg';
const palette = ['#0b5cad', '#a4331d', '#1d6b2f', '#6b2fa0', '#8a5a00', '#00687a'];

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(svgNs, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

export function colourOf(index) {
  return palette[index % palette.length];
}

/**
 * Draws series [{ label, colour, dash, points: [{ t: ms, v: number|null }] }] over [from, to] into container.
 * Gaps (null) break a line.
 */
export function drawChart(container, { series, from, to, title }) {
  const width = 640, height = 220, left = 48, right = 8, top = 10, bottom = 28;
  const values = series.flatMap((s) => s.points.map((p) => p.v)).filter((v) => v !== null && Number.isFinite(v));
  const max = niceMax(values.length ? Math.max(...values) : 0);
  const x = (t) => left + ((t - from) / Math.max(1, to - from)) * (width - left - right);
  const y = (v) => top + (1 - v / max) * (height - top - bottom);

  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, preserveAspectRatio: 'none', class: 'chart-svg' });
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    root.append(svg('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: 'grid' }));
    root.append(svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'axis' }, formatValue(v)));
  }
  for (let minutes = 15; minutes >= 0; minutes -= 5) {
    const t = to - minutes * 60000;
    const anchor = minutes === 15 ? 'start' : minutes === 0 ? 'end' : 'middle'; // the outer labels stay inside
    root.append(svg('text', { x: x(t), y: height - 8, 'text-anchor': anchor, class: 'axis' }, minutes ? `-${minutes} min` : 'now'));
  }

  for (const s of series) {
    let d = '';
    let pen = false;
    for (const point of s.points) {
      if (point.v === null || !Number.isFinite(point.v) || point.t < from) { pen = false; continue; }
      d += `${pen ? 'L' : 'M'}${x(point.t).toFixed(1)},${y(point.v).toFixed(1)}`;
      pen = true;
    }
    if (d) root.append(svg('path', { d, class: 'series', stroke: s.colour, 'stroke-dasharray': s.dash || 'none' }));
    // A point with no neighbour draws no line: mark it.
    s.points.forEach((point, i) => {
      const near = (j) => s.points[j] && s.points[j].v !== null && Number.isFinite(s.points[j].v);
      if (point.v === null || !Number.isFinite(point.v) || point.t < from || near(i - 1) || near(i + 1)) return;
      root.append(svg('circle', { cx: x(point.t), cy: y(point.v), r: 3, fill: s.colour }));
    });
  }

  const legend = document.createElement('ul');
  legend.className = 'legend';
  for (const s of series) {
    const item = document.createElement('li');
    const key = svg('svg', { width: 28, height: 10, 'aria-hidden': 'true' });
    key.append(svg('line', { x1: 0, x2: 28, y1: 5, y2: 5, stroke: s.colour, 'stroke-width': 3, 'stroke-dasharray': s.dash || 'none' }));
    item.append(key, ` ${s.label}`);
    legend.append(item);
  }
  container.replaceChildren(root, legend);
}

function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function formatValue(v) {
  if (v >= 10 || v === 0) return Math.round(v).toString();
  return Number(v.toPrecision(2)).toString();
}
