/* Find a slot (issue 19), with JavaScript: the form asks POST /api/v1/availability itself and
 * each Book button is POST /api/v1/calendars/{cal}/events, both with the session cookie and the
 * CSRF token, so the API's rules apply unchanged. Without JavaScript the form posts to
 * /ui/find and the server asks the same service: this script only takes over the submit.
 */
(function () {
  'use strict';

  var form = document.getElementById('find-form');
  var result = document.getElementById('find-result');
  var message = document.getElementById('find-message');
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!form || !result || !message || !meta || !window.fetch) return;  // the server form stays
  var csrf = meta.getAttribute('content');
  var DAYS = ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'];
  var MAX_SLOTS = 50;  // as the server form (pages/week.py)

  function api(url, body) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
      headers: { 'Accept': 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }
    }).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (json) {
        return { ok: resp.ok, status: resp.status, body: json };
      });
    });
  }
  function why(answer) {  // the API's problem as one sentence, as the server page says it
    var b = answer.body || {};
    var details = (b.errors || []).map(function (e) { return e.detail; }).filter(Boolean);
    var text = details.length ? details.join('; ') : (b.detail || b.title || ('HTTP ' + answer.status));
    var lines = (b.conflicts || []).map(function (c) {
      return (c.title || '(no title)') + ': ' + c.start + ' to ' + c.end;
    });
    return { text: text, lines: lines };
  }
  function tell(problem) {
    message.textContent = problem.text;
    if (problem.lines && problem.lines.length) {
      var ul = document.createElement('ul');
      ul.className = 'conflicts';
      problem.lines.forEach(function (l) { ul.appendChild(el('li', null, l)); });
      message.appendChild(ul);
    }
    message.hidden = false;
  }
  function quiet() {
    message.hidden = true;
    message.textContent = '';
    // a message the server rendered (an earlier refusal) is out of date too
    Array.prototype.forEach.call(document.querySelectorAll('main > .flash'), function (f) {
      if (f !== message) f.remove();
    });
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function value(name) { var f = form.elements.namedItem(name); return f ? f.value.trim() : ''; }

  function pyRepr(text) {  // the title quoted as the server's message quotes it
    return text.indexOf("'") >= 0 && text.indexOf('"') < 0 ? '"' + text + '"' : "'" + text.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
  }

  function chosen() {
    return Array.prototype.filter.call(form.querySelectorAll('input[name="cal"]'), function (box) {
      return box.checked;
    });
  }

  /* the form as the API's body: pages/week.py's availability_query, field for field */
  function query(boxes) {
    var minutes = value('minutes');
    var body = {
      groups: [{
        calendars: boxes.map(function (b) { return b.value; }),
        required: value('need') === 'all' ? 'all' : 1
      }],
      duration: 'PT' + minutes + 'M',
      start: value('start'),
      end: value('end'),
      timeZone: boxes[0].getAttribute('data-zone'),
      maxSlots: MAX_SLOTS
    };
    var from = value('from'), to = value('to');
    if (from || to) body.workingHours = { days: DAYS, from: from || '00:00', to: to || '24:00' };
    return body;
  }

  function bookButton(calId, slot, title) {
    var button = el('button', null, 'Book ' + calId);
    button.type = 'button';
    button.setAttribute('aria-label', 'Book ' + calId + ' from ' + slot.start);
    button.addEventListener('click', function () {
      quiet();
      button.disabled = true;
      api('/api/v1/calendars/' + encodeURIComponent(calId) + '/events',
        { title: title, start: slot.start, end: slot.end }).then(function (answer) {
        if (!answer.ok) throw why(answer);
        // as the server's Book: on to the week view of that calendar and day, with its message
        // (render.py's one-time message cookie, which that page shows and deletes)
        var said = 'Booked ' + pyRepr(title) + ' in ' + calId + ' from ' + slot.start + ' to ' + slot.end + '.';
        document.cookie = 'calgate_ui_flash=' + encodeURIComponent(JSON.stringify({ text: said, kind: 'ok' })) +
          '; path=/ui; max-age=60; samesite=strict';
        window.location.assign('/ui/week?cal=' + encodeURIComponent(calId) + '&date=' + slot.start.slice(0, 10));
      }).catch(function (problem) {
        button.disabled = false;
        tell(problem.text ? problem : { text: String(problem) });
      });
    });
    return button;
  }

  /* the same markup as find.html's server-rendered list */
  function show(answer, writable, title) {
    result.textContent = '';
    var h2 = el('h2', null, 'Free slots ');
    h2.appendChild(el('span', 'hint', '(' + answer.timeZone + ')'));
    h2.tabIndex = -1;  // the answer gets the focus, as the server's page would be read anew
    result.appendChild(h2);
    if (!answer.slots.length) {
      result.appendChild(el('p', null, 'No free slot in that window.'));
      return;
    }
    var table = el('table', 'list slots');
    var head = el('tr');
    ['Start', 'End', 'Free'].forEach(function (name) {
      var th = el('th', null, name);
      th.scope = 'col';
      head.appendChild(th);
    });
    table.appendChild(el('thead')).appendChild(head);
    var tbody = table.appendChild(el('tbody'));
    answer.slots.forEach(function (slot) {
      var tr = tbody.appendChild(el('tr'));
      tr.appendChild(el('td', null, slot.start));
      tr.appendChild(el('td', null, slot.end));
      var cell = tr.appendChild(el('td', 'book'));
      slot.groups[0].free.forEach(function (calId) {
        cell.appendChild(writable[calId] ? bookButton(calId, slot, title) : el('span', 'tag', calId));
        cell.appendChild(document.createTextNode(' '));
      });
    });
    result.appendChild(table);
    if (answer.truncated) result.appendChild(el('p', 'hint', 'More slots follow: narrow the dates.'));
  }

  form.addEventListener('submit', function (event) {
    if (!form.checkValidity()) return;  // the browser says what is missing
    event.preventDefault();
    quiet();
    var boxes = chosen();
    if (!boxes.length) { tell({ text: 'choose at least one calendar' }); return; }
    var writable = {};
    boxes.forEach(function (b) { writable[b.value] = b.hasAttribute('data-writable'); });
    var title = value('title') || 'Booking';
    var submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    result.setAttribute('aria-busy', 'true');
    api('/api/v1/availability', query(boxes)).then(function (answer) {
      if (!answer.ok) throw why(answer);
      show(answer.body, writable, title);
      result.querySelector('h2').focus();
    }).catch(function (problem) {
      result.textContent = '';
      tell(problem.text ? problem : { text: String(problem) });
    }).then(function () {
      submit.disabled = false;
      result.removeAttribute('aria-busy');
    });
  });
})();
