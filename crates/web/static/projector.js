// The projector of a live round: shows the state the page was rendered with, then follows the
// round's Server-Sent Events. Served as a file (never inline) so that the Content-Security-Policy
// can forbid inline scripts; the state arrives in a data attribute, escaped like any other text.
(() => {
  const main = document.querySelector('main');
  const round = main.dataset.round;
  const $ = id => document.getElementById(id);
  let state = JSON.parse(main.dataset.initial);
  let skew = 0;
  const text = (id, value) => { $(id).textContent = value; };
  function show(s) {
    state = s;
    skew = Date.now() - s.now;
    const p = s.presenting;
    text('on-stage', p ? p.title : '—');
    text('community', p ? p.community : '');
    text('position', p && p.position ? `${p.position} / ${s.count}` : '');
    text('submitted', p ? `${p.submitted} / ${p.expected}` : '0 / 0');
    text('final', p && p.final ? p.final : '—');
    const list = $('standings');
    list.replaceChildren(...s.standings.map(r => {
      const li = document.createElement('li');
      li.textContent = `${r.title} · ${r.community} · ${r.final}`;
      return li;
    }));
    document.body.dataset.status = s.status;
  }
  function tick() {
    const p = state.presenting;
    if (!p || !p.since || state.status !== 'open') { return; }
    const seconds = Math.max(0, Math.floor((Date.now() - skew - p.since) / 1000));
    text('timer', `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`);
  }
  show(state);
  setInterval(tick, 500);
  const events = new EventSource(`/rounds/${round}/events`);
  events.onmessage = e => { show(JSON.parse(e.data)); text('connection', ''); };
  // EventSource reconnects by itself; the server sends the current state on reconnecting.
  events.onerror = () => text('connection', main.dataset.reconnecting);
})();
