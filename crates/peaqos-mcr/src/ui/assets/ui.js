// peaqOS MCR dashboard: live updates without a reload. Polls the indexer position and, when
// it moved, fetches this page again and swaps the content of <main>. Everything works
// without this script; it only saves the reload.
(function () {
  'use strict';
  var main = document.querySelector('main[data-live]');
  if (!main || !window.fetch || !window.DOMParser) { return; }
  var POLL_MS = 10000;
  var status = document.getElementById('live-status');
  var stamp = main.getAttribute('data-stamp');
  function tick() {
    fetch(main.getAttribute('data-live'), { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (live) {
        if (!live || live.stamp === stamp) { return null; }
        return fetch(window.location.href, { cache: 'no-store', credentials: 'same-origin' })
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (text) {
            if (!text) { return; }
            var next = new DOMParser().parseFromString(text, 'text/html').querySelector('main[data-live]');
            if (!next) { return; }
            var focused = document.activeElement && document.activeElement.id;
            main.replaceChildren.apply(main, Array.prototype.slice.call(next.childNodes));
            stamp = next.getAttribute('data-stamp');
            main.setAttribute('data-stamp', stamp);
            if (focused) { var el = document.getElementById(focused); if (el) { el.focus(); } }
            if (status) { status.textContent = 'Updated ' + new Date().toLocaleTimeString(); }
          });
      })
      .catch(function () { /* offline or restarting: try again next time */ })
      .then(function () { window.setTimeout(tick, POLL_MS); });
  }
  window.setTimeout(tick, POLL_MS);
}());
