// A live's report (templates/report.html): the page is whole without this; it adds the charts of
// the series (charts.js, as on the dashboard), local times, the colours of the initials circles the
// server drew, and the chat's search and pages without reloading (reportchat.js).

import { createCharts } from './charts.js';
import { hueFor, initials } from './format.js';
import './localtime.js';
import { createReportChat } from './reportchat.js';

const byId = (id) => document.getElementById(id);


const charts = createCharts({ viewers: byId('chart-viewers'), activity: byId('chart-activity'), picker: byId('chart-metric') });
let series = null;
try {
  series = JSON.parse(byId('report-series').textContent);
} catch (error) {
  console.warn('Live Assistant: the series could not be read', error);
}
charts.replace(series || { points: [] });

// The dashboard's initials circles (dom.js) have a colour per viewer and proper initials; so do these.
for (const el of document.querySelectorAll('.avatar-initials[data-hue-key]')) {
  el.style.setProperty('--hue', String(hueFor(el.dataset.hueKey)));
  el.textContent = initials(el.dataset.name);
}

createReportChat(byId('report').dataset.liveId, {
  form: byId('chat-search-form'),
  input: byId('chat-search'),
  list: byId('chat-feed'),
  more: byId('chat-more'),
  status: byId('chat-status'),
});
