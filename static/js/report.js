// A live's report (templates/report.html): the page is whole without this; it adds the charts of
// the series (charts.js, as on the dashboard), local times, the pictures' fallbacks, the chat's
// search and pages without reloading (reportchat.js), and, while the live runs, its refreshing in
// place (reportlive.js).

import { createCharts } from './charts.js';
import { h, initialsCircle } from './dom.js';
import './localtime.js';
import { createReportChat } from './reportchat.js';
import { refreshReport } from './reportlive.js';

const byId = (id) => document.getElementById(id);

const charts = createCharts({ viewers: byId('chart-viewers'), activity: byId('chart-activity'), picker: byId('chart-metric') });
let series = null;
try {
  series = JSON.parse(byId('report-series').textContent);
} catch (error) {
  console.warn('Live Assistant: the series could not be read', error);
}
charts.replace(series || { points: [] });

// The server's initials circles and pictures, as the dashboard's rows have them (dom.js): initials
// with a colour per viewer, and a circle (or the gift glyph) in place of a picture that fails.
function replaceWithCircle(el) {
  el.replaceWith(initialsCircle(el.dataset.name, el.dataset.hueKey, el.className.replace(' avatar-initials', '')));
}
function replaceGiftImage(img) {
  img.replaceWith(h('span', { className: 'gift-image gift-image-fallback', attrs: { 'aria-hidden': 'true' } }));
}
document.querySelectorAll('span.avatar-initials[data-hue-key]').forEach(replaceWithCircle);
for (const img of document.querySelectorAll('img[data-hue-key], img.gift-image')) {
  const fail = img.classList.contains('gift-image') ? replaceGiftImage : replaceWithCircle;
  if (img.complete && img.naturalWidth === 0) fail(img);
  else img.addEventListener('error', () => fail(img), { once: true });
}

const report = byId('report');
const chat = createReportChat(report.dataset.liveId, {
  form: byId('chat-search-form'),
  input: byId('chat-search'),
  list: byId('chat-feed'),
  more: byId('chat-more'),
  status: byId('chat-status'),
});
if (report.dataset.status === 'live') refreshReport(report, { charts, series, chat });
