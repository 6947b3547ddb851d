/* The week view (issue 19): EventCalendar over the API, with the session cookie.
 *
 * Time zones: EventCalendar knows only the browser's local time. The page shows times in one
 * zone (the calendars' zone when they share one and "calendar" is chosen, else the browser's):
 * events are fetched with start/end as UTC instants, converted here with Intl.DateTimeFormat
 * into naive wall times of that zone and handed to the widget as such; what the widget hands
 * back (a click, a drop) is read as a wall time of that zone and sent to the API as UTC.
 */
(function () {
  'use strict';

  var PALETTE = ['#2457c5', '#c0392b', '#1f7a3d', '#8e44ad', '#d35400', '#16808a', '#7a5c00',
    '#c2185b', '#455a64', '#5d4aa8'];
  var config = JSON.parse(document.getElementById('week-config').textContent);
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute('content');
  var browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  var cals = config.calendars;
  var byId = {};
  cals.forEach(function (c) { byId[c.id] = c; });
  var zones = cals.map(function (c) { return c.timeZone; }).filter(function (z, i, a) { return a.indexOf(z) === i; });
  var zone = (config.tz === 'calendar' && zones.length === 1) ? zones[0] : browserZone;
  var message = document.getElementById('week-message');
  var range = null;
  var ec = null;

  document.getElementById('week-zone').textContent = 'Times in ' + zone +
    (config.tz === 'calendar' && zones.length > 1 ? ' (your zone: the calendars are in ' + zones.join(', ') + ')' : '') + '.';

  // -- time zones -------------------------------------------------------------------------
  var formats = {};
  function partsIn(ms, tz) {
    var f = formats[tz] || (formats[tz] = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit'
    }));
    var p = {};
    f.formatToParts(new Date(ms)).forEach(function (x) { p[x.type] = x.value; });
    return { y: +p.year, mo: +p.month, d: +p.day, h: (+p.hour) % 24, mi: +p.minute, s: +p.second };
  }
  function offsetOf(ms, tz) {
    var p = partsIn(ms, tz);
    return Date.UTC(p.y, p.mo - 1, p.d, p.h, p.mi, p.s) - Math.floor(ms / 1000) * 1000;
  }
  /* a wall time of zone tz -> epoch ms (in a gap: moved forward; in an overlap: the first) */
  function wallToMs(w, tz) {
    var guess = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s || 0);
    var t = guess - offsetOf(guess, tz);
    var again = guess - offsetOf(t, tz);
    return again === t ? t : Math.min(t, again);
  }
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function naive(p) {
    return p.y + '-' + pad(p.mo) + '-' + pad(p.d) + 'T' + pad(p.h) + ':' + pad(p.mi) + ':' + pad(p.s || 0);
  }
  function wallOfDate(d) {  // a Date the widget made: its local fields are the wall time
    return { y: d.getFullYear(), mo: d.getMonth() + 1, d: d.getDate(), h: d.getHours(), mi: d.getMinutes(), s: d.getSeconds() };
  }
  function wallOfText(text) {  // "2026-01-05T09:30" or with seconds
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?/.exec(text);
    return m ? { y: +m[1], mo: +m[2], d: +m[3], h: +m[4], mi: +m[5], s: +(m[6] || 0) } : null;
  }
  function utc(ms) { return new Date(ms).toISOString().replace('.000Z', 'Z'); }
  function shown(text, cal) {  // an API time -> the naive wall time in the shown zone
    if (/^\d{4}-\d\d-\d\d$/.test(text)) return text;  // all-day: a date
    var ms = /(Z|[+-]\d\d:\d\d)$/.test(text) ? Date.parse(text) : wallToMs(wallOfText(text), cal.timeZone);
    return naive(partsIn(ms, zone));
  }

  // -- the API ----------------------------------------------------------------------------
  function api(method, url, body, etag) {
    var headers = { 'Accept': 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (etag) headers['If-Match'] = etag;
    return fetch(url, {
      method: method, headers: headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (resp) {
      if (resp.status === 204) return { ok: true, status: 204, body: null };
      return resp.json().catch(function () { return null; }).then(function (json) {
        return { ok: resp.ok, status: resp.status, body: json };
      });
    });
  }
  function why(answer) {  // the API's problem as one message, with the conflicts it names
    var b = answer.body || {};
    var text = b.detail || b.title || ('HTTP ' + answer.status);
    if (answer.status === 412) text = 'The event changed since it was shown (412): reloaded; try again. ' + (b.detail || '');
    var lines = (b.conflicts || []).map(function (c) {
      return (c.title || '(no title)') + ': ' + shown(c.start, cals[0]).replace('T', ' ').slice(0, 16) +
        ' to ' + shown(c.end, cals[0]).replace('T', ' ').slice(0, 16);
    });
    return { text: text, lines: lines };
  }
  function tell(el, problem) {
    el.textContent = problem.text;
    if (problem.lines && problem.lines.length) {
      var ul = document.createElement('ul');
      ul.className = 'conflicts';
      problem.lines.forEach(function (l) { var li = document.createElement('li'); li.textContent = l; ul.appendChild(li); });
      el.appendChild(ul);
    }
    el.hidden = false;
  }
  function quiet(el) { el.hidden = true; el.textContent = ''; }
  function eventsUrl(cal, id, recurrenceId) {
    var url = '/api/v1/calendars/' + encodeURIComponent(cal) + '/events';
    if (id) url += '/' + encodeURIComponent(id);
    if (recurrenceId) url += '/instances/' + encodeURIComponent(recurrenceId);
    return url;
  }

  // -- loading ----------------------------------------------------------------------------
  function fetchAll(cal, start, end) {
    var items = [];
    function page(token) {
      var q = '?start=' + encodeURIComponent(start) + '&end=' + encodeURIComponent(end) + '&expand=true&limit=2500';
      if (token) q += '&pageToken=' + encodeURIComponent(token);
      return api('GET', eventsUrl(cal.id) + q).then(function (a) {
        if (!a.ok) throw why(a);
        items = items.concat(a.body.items);
        return a.body.nextPageToken ? page(a.body.nextPageToken) : items;
      });
    }
    return page(null);
  }
  function toWidget(cal, item) {
    var colour = PALETTE[cal.colour % PALETTE.length];
    return {
      id: cal.id + '|' + item.id + '|' + (item.recurrenceId || ''),
      resourceIds: [cal.id],
      title: item.title || '(no title)',
      start: shown(item.start, cal),
      end: shown(item.end || item.start, cal),
      allDay: !!item.allDay,
      backgroundColor: colour,
      editable: cal.writable && !item.allDay,
      extendedProps: { cal: cal.id, item: item }
    };
  }
  var loads = 0;
  function load() {
    if (!range) return;
    var mine = ++loads;  // a later load (a quick "next") wins over an earlier one
    var start = utc(wallToMs(wallOfDate(range.start), zone));
    var end = utc(wallToMs(wallOfDate(range.end), zone));
    performance.mark('week-fetch');
    Promise.all(cals.map(function (cal) { return fetchAll(cal, start, end); })).then(function (answers) {
      if (mine !== loads) return;
      performance.mark('week-fetched');  // (bench/bench_ui.py reads these marks)
      var events = [];
      answers.forEach(function (items, i) {
        items.forEach(function (item) { events.push(toWidget(cals[i], item)); });
      });
      performance.mark('week-converted');
      ec.setOption('events', events);
      performance.mark('week-set');
      document.getElementById('week-calendar').setAttribute('data-loaded', start);
    }).catch(function (problem) { tell(message, problem.text ? problem : { text: String(problem) }); });
  }

  // -- booking ----------------------------------------------------------------------------
  var bookDialog = document.getElementById('book-dialog');
  var bookForm = document.getElementById('book-form');
  var bookCal = document.getElementById('book-cal');
  var bookError = document.getElementById('book-error');
  cals.filter(function (c) { return c.writable; }).forEach(function (c) {
    var o = document.createElement('option');
    o.value = c.id; o.textContent = c.name;
    bookCal.appendChild(o);
  });
  function local(p) { return naive(p).slice(0, 16); }
  function openBooking(info) {
    var writable = cals.filter(function (c) { return c.writable; });
    if (!writable.length) { tell(message, { text: 'This token may not book here (read-only).' }); return; }
    var at = wallOfDate(info.date);
    var until = wallOfDate(new Date(info.date.getTime() + 3600 * 1000));
    var cal = info.resource && byId[info.resource.id] ? info.resource.id : writable[0].id;
    if (info.allDay) { at.h = 9; at.mi = 0; until = { y: at.y, mo: at.mo, d: at.d, h: 10, mi: 0, s: 0 }; }
    bookCal.value = cal;
    document.getElementById('book-start').value = local(at);
    document.getElementById('book-end').value = local(until);
    quiet(bookError);
    bookDialog.showModal();
    document.getElementById('book-title').select();
  }
  bookForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var cal = byId[bookCal.value];
    var s = wallOfText(document.getElementById('book-start').value);
    var t = wallOfText(document.getElementById('book-end').value);
    if (!cal || !s || !t) { tell(bookError, { text: 'Give a calendar, a start and an end.' }); return; }
    var body = {
      title: document.getElementById('book-title').value,
      start: utc(wallToMs(s, zone)), end: utc(wallToMs(t, zone)), timeZone: cal.timeZone
    };
    var button = document.getElementById('book-submit');
    button.disabled = true;
    api('POST', eventsUrl(cal.id), body).then(function (a) {
      button.disabled = false;
      if (!a.ok) { tell(bookError, why(a)); return; }
      bookDialog.close();
      quiet(message);
      load();
    });
  });
  document.getElementById('book-cancel').addEventListener('click', function () { bookDialog.close(); });

  // -- an event: details, delete, move ----------------------------------------------------
  var eventDialog = document.getElementById('event-dialog');
  var eventError = document.getElementById('event-error');
  var current = null;
  function row(dl, name, value) {
    if (value === null || value === undefined || value === '') return;
    var dt = document.createElement('dt'); dt.textContent = name;
    var dd = document.createElement('dd'); dd.textContent = value;
    dl.appendChild(dt); dl.appendChild(dd);
  }
  function when(text, cal) { return shown(text, cal).replace('T', ' ').slice(0, 16); }
  function openEvent(info) {
    var item = info.event.extendedProps.item;
    var cal = byId[info.event.extendedProps.cal];
    current = { cal: cal, item: item };
    document.getElementById('event-heading').textContent = item.title || '(no title)';
    var dl = document.getElementById('event-details');
    dl.textContent = '';
    row(dl, 'Calendar', cal.name);
    row(dl, 'Start', item.allDay ? item.start : when(item.start, cal) + ' (' + zone + ')');
    row(dl, 'End', item.allDay ? item.end : when(item.end || item.start, cal));
    row(dl, 'Location', item.location);
    row(dl, 'Description', item.description);
    row(dl, 'Status', item.status);
    row(dl, 'Repeats', item.recurrenceId ? 'yes: Delete removes this occurrence only' : null);
    row(dl, 'Id', item.id);
    quiet(eventError);
    document.getElementById('event-delete').hidden = !cal.writable;
    eventDialog.showModal();
  }
  document.getElementById('event-close').addEventListener('click', function () { eventDialog.close(); });
  document.getElementById('event-delete').addEventListener('click', function () {
    if (!current) return;
    var item = current.item;
    api('DELETE', eventsUrl(current.cal.id, item.id, item.recurrenceId), undefined, item.etag).then(function (a) {
      if (!a.ok) { tell(eventError, why(a)); if (a.status === 412) load(); return; }
      eventDialog.close();
      load();
    });
  });
  function moved(info) {
    var cal = byId[info.event.extendedProps.cal];
    var item = info.event.extendedProps.item;
    if (info.newResource && info.oldResource && info.newResource.id !== info.oldResource.id) {
      info.revert();
      tell(message, { text: 'An event stays in its calendar: book the other room and delete this one instead.' });
      return;
    }
    var body = {
      start: utc(wallToMs(wallOfDate(info.event.start), zone)),
      end: utc(wallToMs(wallOfDate(info.event.end || info.event.start), zone))
    };
    api('PATCH', eventsUrl(cal.id, item.id, item.recurrenceId), body, item.etag).then(function (a) {
      if (!a.ok) {
        info.revert();
        tell(message, why(a));
        if (a.status === 412) load();
        return;
      }
      quiet(message);
      load();
    });
  }

  // -- the widget -------------------------------------------------------------------------
  var narrow = window.matchMedia('(max-width: 640px)');
  function viewName() {
    var side = config.layout === 'side' && cals.length > 0;
    if (narrow.matches) return side ? 'resourceTimeGridDay' : 'timeGridDay';
    return side ? 'resourceTimeGridWeek' : 'timeGridWeek';
  }
  var el = document.getElementById('week-calendar');
  ec = EventCalendar.create(el, {
    view: viewName(),
    date: config.date,
    firstDay: 1,
    height: narrow.matches ? '560px' : '680px',
    scrollTime: '08:00:00',
    nowIndicator: true,
    headerToolbar: { start: 'prev,next today', center: 'title', end: '' },
    resources: cals.map(function (c) { return { id: c.id, title: c.name }; }),
    events: [],
    editable: true,
    eventDurationEditable: true,
    dayMaxEvents: true,
    datesSet: function (info) {
      range = { start: info.start, end: info.end };
      var url = new URL(window.location.href);
      var d = wallOfDate(info.start);
      url.searchParams.set('date', local(d).slice(0, 10));
      window.history.replaceState(null, '', url.toString());
      load();
    },
    dateClick: openBooking,
    eventClick: openEvent,
    eventDrop: moved,
    eventResize: moved
  });
  narrow.addEventListener('change', function () { ec.setOption('view', viewName()); });
})();
