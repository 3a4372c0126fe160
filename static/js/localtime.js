// The records' pages are written on the server in UTC (assistant/reports/formatting.py); this shows their
// times in the reader's own time zone, at load: <time class="local-time"> a date and a time,
// <time class="local-clock"> a time of day (rows added later are built in local time already).
// Importing it is enough (the records' list); report.js imports it too.

import { formatTime } from './format.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function showLocalTimes(root = document) {
  for (const el of root.querySelectorAll('time.local-time[datetime], time.local-clock[datetime]')) {
    if (el.dataset.local) continue; // shown in local time already
    el.dataset.local = 'true';
    const moment = new Date(el.getAttribute('datetime'));
    if (Number.isNaN(moment.getTime())) continue;
    el.title = el.textContent; // the UTC text, on hover
    el.textContent = el.classList.contains('local-clock') ? formatTime(moment.getTime()) : dateTime.format(moment);
  }
}

showLocalTimes();
