// jpki-validator console: plain browser JavaScript, no build step; every figure comes from /console/api/* (docs/console.md).

const TEXT = {
  ja: {
    'nav.overview': '概要',
    'nav.loads': 'CRL 読み込み',
    'nav.revocations': '失効の推移',
    'nav.watch': '死亡検知',
    'nav.ocsp': 'OCSP',
    'nav.audit': '監査ログ',
    logout: 'ログアウト',
    lang: 'English',
    ready: '準備完了',
    notReady: '未準備',
    readiness: '稼働状態',
    store: 'ストア',
    partitions: 'パーティション',
    fresh: '最新',
    stale: '期限切れ',
    not_loaded: '未読み込み',
    total: '合計',
    worst: '要注意のパーティション',
    issuers: '発行者',
    medium: '媒体',
    kind: '種別',
    crl: 'CRL',
    ocspCircuit: 'OCSP 回路',
    issuersByMediumKind: '媒体・種別ごとの発行者',
    reasons: '理由',
    none: 'なし',
    at: '日時',
    ca: 'CA',
    partition: 'パーティション',
    outcome: '結果',
    crlNumber: 'CRL 番号',
    entries: '件数',
    bytes: 'バイト',
    durationMs: '所要 (ms)',
    reason: '理由',
    error: 'エラー',
    rejectedOnly: '拒否・失敗のみ',
    show: '表示',
    prev: '前へ',
    next: '次へ',
    loadsHistory: '読み込み履歴',
    partitionList: 'パーティション一覧',
    state: '状態',
    nextUpdate: '次回更新',
    loadedAt: '読み込み日時',
    all: 'すべて',
    revocationsByMeaning: '意味別の新規失効（日別）',
    revocationsByReason: '理由別の新規失効（日別）',
    day: '日付 (JST)',
    affiliationToday: '本日の affiliationChanged（死亡・国外転出）',
    affiliationWeek: '直近 7 日間',
    days: '期間 (日)',
    watchPasses: '検知パス',
    watchEventsPerDay: '日別の検知イベント',
    deliveries: 'Webhook 配信',
    rows: '監視件数',
    events: 'イベント',
    revoked: '失効',
    expired: '期限切れ',
    delivered: '配信済み',
    pending: '保留',
    failed: '失敗',
    nextRetry: '次回再試行',
    watchList: '監視リスト',
    queries: '問い合わせ',
    cacheHits: 'キャッシュヒット',
    refused: '拒否',
    spendYen: '費用 (円)',
    capYen: '上限 (円/日)',
    ocspSpend: '日別の OCSP 費用と上限',
    ocspToday: '本日の OCSP 費用',
    auditSearch: '監査ログ検索',
    serial: 'シリアル',
    issuer: '発行者',
    purpose: '目的',
    from: '開始日 (JST)',
    to: '終了日 (JST, 当日を含む)',
    search: '検索',
    result: '結果',
    method: '方式',
    route: '経路',
    noHistory: 'このバリデータには運用履歴がありません',
    empty: 'データがありません',
    loading: '読み込み中…',
    yes: 'はい',
    no: 'いいえ',
    circuitClosed: '正常',
    circuitOpen: '遮断',
    'circuitHalf-open': '試行中',
  },
  en: {
    'nav.overview': 'Overview',
    'nav.loads': 'CRL loads',
    'nav.revocations': 'Revocations',
    'nav.watch': 'Death detection',
    'nav.ocsp': 'OCSP',
    'nav.audit': 'Audit',
    logout: 'Log out',
    lang: '日本語',
    ready: 'Ready',
    notReady: 'Not ready',
    readiness: 'Readiness',
    store: 'Store',
    partitions: 'Partitions',
    fresh: 'Fresh',
    stale: 'Stale',
    not_loaded: 'Not loaded',
    total: 'Total',
    worst: 'Partitions needing attention',
    issuers: 'Issuers',
    medium: 'Medium',
    kind: 'Kind',
    crl: 'CRL',
    ocspCircuit: 'OCSP circuit',
    issuersByMediumKind: 'Issuers by medium and kind',
    reasons: 'Reasons',
    none: 'none',
    at: 'Time',
    ca: 'CA',
    partition: 'Partition',
    outcome: 'Outcome',
    crlNumber: 'CRL number',
    entries: 'Entries',
    bytes: 'Bytes',
    durationMs: 'Duration (ms)',
    reason: 'Reason',
    error: 'Error',
    rejectedOnly: 'Rejected and failed only',
    show: 'Show',
    prev: 'Previous',
    next: 'Next',
    loadsHistory: 'Load history',
    partitionList: 'Partitions',
    state: 'State',
    nextUpdate: 'Next update',
    loadedAt: 'Loaded at',
    all: 'all',
    revocationsByMeaning: 'New revocations by meaning (per day)',
    revocationsByReason: 'New revocations by reason (per day)',
    day: 'Day (JST)',
    affiliationToday: 'affiliationChanged today (death or emigration)',
    affiliationWeek: 'Last 7 days',
    days: 'Days',
    watchPasses: 'Detection passes',
    watchEventsPerDay: 'Detection events per day',
    deliveries: 'Webhook deliveries',
    rows: 'Watched',
    events: 'Events',
    revoked: 'Revoked',
    expired: 'Expired',
    delivered: 'Delivered',
    pending: 'Pending',
    failed: 'Failed',
    nextRetry: 'Next retry',
    watchList: 'Watch list',
    queries: 'Queries',
    cacheHits: 'Cache hits',
    refused: 'Refused',
    spendYen: 'Spend (yen)',
    capYen: 'Cap (yen/day)',
    ocspSpend: 'OCSP spend per day against the cap',
    ocspToday: 'OCSP spend today',
    auditSearch: 'Audit search',
    serial: 'Serial',
    issuer: 'Issuer',
    purpose: 'Purpose',
    from: 'From (JST day)',
    to: 'To (JST day, included)',
    search: 'Search',
    result: 'Result',
    method: 'Method',
    route: 'Route',
    noHistory: 'This validator has no ops history',
    empty: 'No data',
    loading: 'Loading…',
    yes: 'yes',
    no: 'no',
    circuitClosed: 'closed',
    circuitOpen: 'open',
    'circuitHalf-open': 'half-open',
  },
};

let lang = localStorage.getItem('jpki-console-lang') || (navigator.language.startsWith('ja') ? 'ja' : 'en');
let labels = { ja: {}, en: {} };
const charts = [];
const t = (key) => TEXT[lang][key] ?? TEXT.en[key] ?? key;
const meaningLabel = (m) => labels[lang]?.[m] ?? m;

// ---- DOM helpers: text only (no HTML from data) ----
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}
const jstFormat = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
/** a time in JST, its UTC on hover */
function time(iso) {
  if (!iso) return el('span', { class: 'empty' }, '—');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return el('time', { datetime: d.toISOString(), title: `UTC ${d.toISOString().replace('.000Z', 'Z')}` }, `${jstFormat.format(d)} JST`);
}
const num = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString(lang === 'ja' ? 'ja-JP' : 'en-US'));
function table(columns, rows, rowAttrs) {
  if (rows.length === 0) return el('p', { class: 'empty' }, t('empty'));
  return el(
    'table',
    {},
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        columns.map((c) => el('th', { class: c.num ? 'num' : null }, t(c.key))),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          rowAttrs ? rowAttrs(r) : {},
          columns.map((c) => el('td', { class: c.num ? 'num' : null, 'data-col': c.key }, c.cell(r))),
        ),
      ),
    ),
  );
}
function card(labelKey, figure, attrs) {
  return el('div', { class: 'card', ...attrs }, el('div', { class: 'label' }, t(labelKey)), el('div', { class: 'figure' }, figure));
}
async function api(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (response.status === 401) {
    location.reload();
    throw new Error('unauthorized');
  }
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || `${response.status}`);
  return body;
}
const todayJst = () => jstFormat.format(new Date()).slice(0, 10);
function dayBefore(day, n) {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 86400000).toISOString().slice(0, 10);
}

// ---- charts (uPlot, bundled by the validator) ----
const PALETTE = ['#2456a6', '#b3261e', '#1b7f3b', '#a35c00', '#6b3fa0', '#00838f', '#5b6475', '#c2185b', '#827717', '#37474f'];
function chart(container, days, series, opts) {
  // the page is drawn before it is attached: size from the page's own width
  const width = Math.max(320, Math.min(1150, (document.getElementById('page').clientWidth || 960) - 40));
  const x = days.map((d) => Date.parse(`${d}T00:00:00+09:00`) / 1000);
  const plot = new uPlot(
    {
      width,
      height: 260,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Asia/Tokyo'),
      // spend against a cap many times larger: a log scale keeps both readable (a zero day leaves a gap)
      scales: { x: { time: true }, y: opts?.log ? { distr: 3, log: 10 } : {} },
      axes: [{}, { label: opts?.yLabel ?? '', size: 80 }],
      series: [
        { label: t('day') },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? PALETTE[i % PALETTE.length],
          width: s.dash ? 1 : 2,
          dash: s.dash,
          points: { show: days.length < 40 },
        })),
      ],
    },
    [x, ...series.map((s) => (opts?.log ? s.values.map((v) => (v > 0 ? v : null)) : s.values))],
    container,
  );
  charts.push(plot);
}

// ---- pages ----
const pages = {
  async overview(main) {
    const o = await api('/console/api/overview');
    labels = o.labels;
    main.append(
      el('h1', {}, t('nav.overview')),
      el(
        'div',
        { class: 'cards' },
        card('readiness', el('span', { class: o.ready ? 'ok' : 'bad', 'data-figure': 'ready' }, o.ready ? t('ready') : t('notReady'))),
        card(
          'store',
          el(
            'span',
            { class: o.store.status === 'ok' ? 'ok' : 'bad', 'data-figure': 'store' },
            `${o.store.kind ?? '—'} · ${o.store.status}`,
          ),
        ),
        card('total', el('span', { 'data-figure': 'partitions-total' }, num(o.partitions.total))),
        card('fresh', el('span', { class: 'ok', 'data-figure': 'partitions-fresh' }, num(o.partitions.fresh))),
        card('stale', el('span', { class: o.partitions.stale ? 'bad' : '', 'data-figure': 'partitions-stale' }, num(o.partitions.stale))),
        card(
          'not_loaded',
          el('span', { class: o.partitions.notLoaded ? 'warn' : '', 'data-figure': 'partitions-not-loaded' }, num(o.partitions.notLoaded)),
        ),
      ),
      o.reasons.length
        ? el(
            'ul',
            { class: 'bad', 'data-list': 'reasons' },
            o.reasons.map((r) => el('li', {}, r)),
          )
        : null,
      el('h2', {}, t('worst')),
      table(
        [
          { key: 'ca', cell: (p) => p.caId },
          { key: 'partition', cell: (p) => p.name },
          { key: 'state', cell: (p) => el('span', { class: p.state === 'fresh' ? 'ok' : 'bad' }, t(p.state)) },
          { key: 'crlNumber', cell: (p) => p.crlNumber ?? '—' },
          { key: 'nextUpdate', cell: (p) => time(p.nextUpdate) },
          { key: 'loadedAt', cell: (p) => time(p.loadedAt) },
        ],
        o.partitions.worst,
        (p) => ({ class: `state-${p.state}`, 'data-partition': `${p.caId}/${p.name}` }),
      ),
      el('h2', {}, t('issuersByMediumKind')),
      table(
        [
          { key: 'medium', cell: (r) => r.medium },
          { key: 'kind', cell: (r) => r.kind },
          { key: 'issuers', num: true, cell: (r) => num(r.issuers) },
          { key: 'ready', num: true, cell: (r) => num(r.ready) },
        ],
        o.byMediumKind,
      ),
      el('h2', {}, t('issuers')),
      table(
        [
          { key: 'ca', cell: (i) => i.id },
          { key: 'medium', cell: (i) => i.medium },
          { key: 'kind', cell: (i) => i.kind },
          { key: 'partitions', num: true, cell: (i) => num(i.partitionCount) },
          { key: 'crl', cell: (i) => el('span', { class: i.crl === 'fresh' ? 'ok' : 'bad' }, t(i.crl)) },
          {
            key: 'ocspCircuit',
            cell: (i) =>
              i.ocsp
                ? el('span', { class: i.ocsp === 'closed' ? 'ok' : 'bad' }, t(`circuit${i.ocsp[0].toUpperCase()}${i.ocsp.slice(1)}`))
                : '—',
          },
          { key: 'readiness', cell: (i) => el('span', { class: i.ready ? 'ok' : 'bad' }, i.ready ? t('ready') : t('notReady')) },
        ],
        o.issuers,
        (i) => ({ 'data-issuer': i.id }),
      ),
    );
  },

  async loads(main, params) {
    const o = await api('/console/api/overview');
    const offset = Number(params.get('offset') || 0);
    const q = new URLSearchParams({ offset: String(offset), limit: '50' });
    for (const k of ['ca', 'partition']) if (params.get(k)) q.set(k, params.get(k));
    if (params.get('rejected') === '1') q.set('rejected', '1');
    const [loads, parts] = await Promise.all([
      o.history ? api(`/console/api/loads?${q}`) : null,
      api(
        `/console/api/partitions?${new URLSearchParams({ ...(params.get('ca') ? { ca: params.get('ca') } : {}), ...(params.get('state') ? { state: params.get('state') } : {}), offset: params.get('poffset') || '0', limit: '50' })}`,
      ),
    ]);
    const go = (changes) => {
      const p = new URLSearchParams(params);
      for (const [k, v] of Object.entries(changes)) {
        if (v === null || v === '') p.delete(k);
        else p.set(k, v);
      }
      location.hash = `loads?${p}`;
    };
    const filters = el(
      'form',
      {
        class: 'filters',
        onsubmit: (e) => {
          e.preventDefault();
          const f = new FormData(e.target);
          go({
            ca: f.get('ca'),
            partition: f.get('partition'),
            rejected: f.get('rejected') ? '1' : null,
            state: f.get('state'),
            offset: null,
            poffset: null,
          });
        },
      },
      el(
        'label',
        {},
        t('ca'),
        el(
          'select',
          { name: 'ca' },
          el('option', { value: '' }, t('all')),
          o.issuers.map((i) => el('option', { value: i.id, selected: params.get('ca') === i.id }, i.id)),
        ),
      ),
      el('label', {}, t('partition'), el('input', { name: 'partition', value: params.get('partition') || '', size: 30 })),
      el(
        'label',
        {},
        t('state'),
        el(
          'select',
          { name: 'state' },
          el('option', { value: '' }, t('all')),
          ['fresh', 'stale', 'not_loaded'].map((s) => el('option', { value: s, selected: params.get('state') === s }, t(s))),
        ),
      ),
      el(
        'label',
        {},
        el('span', {}, t('rejectedOnly')),
        el('input', { type: 'checkbox', name: 'rejected', checked: params.get('rejected') === '1' }),
      ),
      el('button', { type: 'submit' }, t('show')),
    );
    main.append(el('h1', {}, t('nav.loads')), filters, el('h2', {}, t('loadsHistory')));
    if (!loads) main.append(el('p', { class: 'empty' }, t('noHistory')));
    else {
      main.append(
        table(
          [
            { key: 'at', cell: (l) => time(l.at) },
            { key: 'ca', cell: (l) => l.caId },
            { key: 'partition', cell: (l) => l.partition },
            {
              key: 'outcome',
              cell: (l) =>
                el(
                  'span',
                  { class: l.outcome === 'loaded' ? 'ok' : l.outcome === 'rejected' || l.outcome === 'failed' ? 'bad' : '' },
                  l.outcome,
                ),
            },
            { key: 'crlNumber', num: true, cell: (l) => l.crlNumber ?? '—' },
            { key: 'entries', num: true, cell: (l) => num(l.entries) },
            { key: 'bytes', num: true, cell: (l) => num(l.bytes) },
            { key: 'durationMs', num: true, cell: (l) => num(l.durationMs) },
            { key: 'reason', cell: (l) => (l.reason ? el('span', { title: l.error ?? '' }, l.reason) : '') },
          ],
          loads.items,
          (l) => ({ 'data-load': l.outcome }),
        ),
        pager(loads, (off) => go({ offset: String(off) })),
      );
    }
    main.append(
      el('h2', {}, t('partitionList')),
      table(
        [
          { key: 'ca', cell: (p) => p.caId },
          { key: 'partition', cell: (p) => el('a', { href: `#loads?${new URLSearchParams({ ca: p.caId, partition: p.name })}` }, p.name) },
          { key: 'state', cell: (p) => el('span', { class: p.state === 'fresh' ? 'ok' : 'bad' }, t(p.state)) },
          { key: 'crlNumber', num: true, cell: (p) => p.crlNumber ?? '—' },
          { key: 'entries', num: true, cell: (p) => num(p.entries) },
          { key: 'nextUpdate', cell: (p) => time(p.nextUpdate) },
          { key: 'loadedAt', cell: (p) => time(p.loadedAt) },
        ],
        parts.items,
        (p) => ({ class: `state-${p.state}` }),
      ),
      pager(parts, (off) => go({ poffset: String(off) })),
    );
  },

  async revocations(main, params) {
    const o = await api('/console/api/overview');
    labels = o.labels;
    const days = Number(params.get('days') || 90);
    const to = todayJst();
    const h = await api(`/console/api/history?from=${dayBefore(to, days - 1)}&to=${to}`);
    const aff = h.revocations.byReason.affiliationChanged ?? h.days.map(() => 0);
    const today = aff[aff.length - 1] ?? 0;
    const week = aff.slice(-7).reduce((a, b) => a + b, 0);
    main.append(
      el('h1', {}, t('nav.revocations')),
      el(
        'form',
        {
          class: 'filters',
          onsubmit: (e) => {
            e.preventDefault();
            location.hash = `revocations?days=${new FormData(e.target).get('days')}`;
          },
        },
        el(
          'label',
          {},
          t('days'),
          el(
            'select',
            { name: 'days' },
            [30, 90, 365].map((d) => el('option', { value: d, selected: d === days }, d)),
          ),
        ),
        el('button', { type: 'submit' }, t('show')),
      ),
      el(
        'div',
        { class: 'cards' },
        card('affiliationToday', el('span', { 'data-figure': 'affiliation-today' }, num(today))),
        card('affiliationWeek', el('span', { 'data-figure': 'affiliation-week' }, num(week))),
      ),
    );
    const meanings = Object.keys(h.revocations.byMeaning);
    main.append(el('h2', {}, t('revocationsByMeaning')));
    const box = el('div', { class: 'chart', 'data-chart': 'revocations' });
    main.append(box);
    chart(
      box,
      h.days,
      meanings.map((m) => ({ label: meaningLabel(m), values: h.revocations.byMeaning[m] })),
    );
    const reasons = Object.keys(h.revocations.byReason);
    main.append(
      el('h2', {}, t('revocationsByReason')),
      table(
        [
          { key: 'day', cell: (i) => h.days[i] },
          ...reasons.map((r) => ({ key: r, num: true, cell: (i) => num(h.revocations.byReason[r][i]) })),
        ],
        h.days
          .map((_, i) => i)
          .reverse()
          .filter((i) => reasons.some((r) => h.revocations.byReason[r][i] > 0)),
      ),
    );
  },

  async watch(main, params) {
    const offset = Number(params.get('offset') || 0);
    const to = todayJst();
    const [w, h] = await Promise.all([
      api(`/console/api/watch?offset=${offset}&limit=50`),
      api(`/console/api/history?from=${dayBefore(to, 89)}&to=${to}`),
    ]);
    const last = w.passes.items[0];
    main.append(
      el('h1', {}, t('nav.watch')),
      el(
        'div',
        { class: 'cards' },
        card('watchList', el('span', { 'data-figure': 'watch-rows' }, last ? num(last.rows) : '—')),
        card('watchPasses', el('span', { 'data-figure': 'watch-passes' }, num(w.passes.total))),
        card(
          'pending',
          el(
            'span',
            { class: w.deliveries.items[0]?.pending ? 'warn' : '', 'data-figure': 'deliveries-pending' },
            num(w.deliveries.items[0]?.pending ?? 0),
          ),
        ),
      ),
    );
    main.append(el('h2', {}, t('watchEventsPerDay')));
    const box = el('div', { class: 'chart', 'data-chart': 'watch' });
    main.append(box);
    chart(box, h.days, [
      { label: t('events'), values: h.watch.events },
      { label: t('revoked'), values: h.watch.revoked },
      { label: t('expired'), values: h.watch.expired },
    ]);
    main.append(
      el('h2', {}, t('watchPasses')),
      table(
        [
          { key: 'at', cell: (p) => time(p.at) },
          { key: 'rows', num: true, cell: (p) => num(p.rows) },
          { key: 'events', num: true, cell: (p) => num(p.events) },
          { key: 'revoked', num: true, cell: (p) => num(p.revoked) },
          { key: 'expired', num: true, cell: (p) => num(p.expired) },
          { key: 'durationMs', num: true, cell: (p) => num(p.durationMs) },
          { key: 'ca', cell: (p) => p.cas.map((c) => `${c.caId}#${c.generation}: ${c.hits}`).join(', ') },
        ],
        w.passes.items,
      ),
      pager(w.passes, (off) => {
        location.hash = `watch?offset=${off}`;
      }),
    );
    main.append(
      el('h2', {}, t('deliveries')),
      table(
        [
          { key: 'at', cell: (d) => time(d.at) },
          { key: 'delivered', num: true, cell: (d) => num(d.delivered) },
          { key: 'pending', num: true, cell: (d) => num(d.pending) },
          { key: 'failed', num: true, cell: (d) => num(d.failed) },
          { key: 'nextRetry', cell: (d) => time(d.nextRetryAt) },
          { key: 'error', cell: (d) => d.errors.join('; ') },
        ],
        w.deliveries.items,
        (d) => ({ class: d.failed ? 'state-stale' : null }),
      ),
    );
  },

  async ocsp(main, params) {
    const days = Number(params.get('days') || 30);
    const to = todayJst();
    const h = await api(`/console/api/history?from=${dayBefore(to, days - 1)}&to=${to}`);
    const last = h.days.length - 1;
    main.append(
      el('h1', {}, t('nav.ocsp')),
      el(
        'div',
        { class: 'cards' },
        card('ocspToday', el('span', { 'data-figure': 'ocsp-spend-today' }, `¥${num(h.ocsp.spendYen[last] ?? 0)}`)),
        card('capYen', el('span', { 'data-figure': 'ocsp-cap' }, `¥${num(h.ocspCapYenPerDay)}`)),
        card('queries', el('span', { 'data-figure': 'ocsp-queries-today' }, num(h.ocsp.queries[last] ?? 0))),
        card('cacheHits', el('span', { 'data-figure': 'ocsp-cache-hits-today' }, num(h.ocsp.cacheHits[last] ?? 0))),
      ),
    );
    main.append(el('h2', {}, t('ocspSpend')));
    const box = el('div', { class: 'chart', 'data-chart': 'ocsp' });
    main.append(box);
    chart(
      box,
      h.days,
      [
        { label: t('spendYen'), values: h.ocsp.spendYen },
        { label: t('capYen'), values: h.days.map(() => h.ocspCapYenPerDay), dash: [6, 4], color: '#b3261e' },
      ],
      { yLabel: '¥', log: true },
    );
    main.append(
      table(
        [
          { key: 'day', cell: (i) => h.days[i] },
          { key: 'queries', num: true, cell: (i) => num(h.ocsp.queries[i]) },
          { key: 'cacheHits', num: true, cell: (i) => num(h.ocsp.cacheHits[i]) },
          { key: 'refused', num: true, cell: (i) => num(h.ocsp.refused[i]) },
          { key: 'failed', num: true, cell: (i) => num(h.ocsp.failed[i]) },
          { key: 'spendYen', num: true, cell: (i) => num(h.ocsp.spendYen[i]) },
        ],
        h.days.map((_, i) => i).reverse(),
      ),
    );
  },

  async audit(main, params) {
    const form = el(
      'form',
      {
        class: 'filters',
        onsubmit: (e) => {
          e.preventDefault();
          const q = new URLSearchParams();
          for (const [k, v] of new FormData(e.target)) if (v) q.set(k, String(v));
          location.hash = `audit?${q}`;
        },
      },
      ['serial', 'issuer', 'purpose'].map((k) => el('label', {}, t(k), el('input', { name: k, value: params.get(k) || '', size: 18 }))),
      ['from', 'to'].map((k) => el('label', {}, t(k), el('input', { name: k, type: 'date', value: params.get(k) || '' }))),
      el('button', { type: 'submit' }, t('search')),
    );
    main.append(el('h1', {}, t('auditSearch')), form);
    // the form's days are JST days, `to` included: the API takes instants, `to` excluded
    const q = new URLSearchParams(params);
    if (params.get('from')) q.set('from', `${params.get('from')}T00:00:00+09:00`);
    if (params.get('to')) q.set('to', `${dayBefore(params.get('to'), -1)}T00:00:00+09:00`);
    q.set('limit', '50');
    let page;
    try {
      page = await api(`/console/api/audit?${q}`);
    } catch (error) {
      main.append(el('p', { class: 'empty', 'data-audit': 'off' }, String(error.message)));
      return;
    }
    main.append(
      table(
        [
          { key: 'at', cell: (r) => time(r.at) },
          { key: 'route', cell: (r) => r.route },
          { key: 'purpose', cell: (r) => r.purpose ?? '' },
          { key: 'issuer', cell: (r) => r.caId ?? r.issuer ?? '' },
          { key: 'serial', cell: (r) => r.serial ?? '' },
          { key: 'result', cell: (r) => r.result },
          { key: 'reason', cell: (r) => (r.meaning ? meaningLabel(r.meaning) : (r.reason ?? r.detail ?? '')) },
          { key: 'method', cell: (r) => r.method ?? '' },
          { key: 'crlNumber', cell: (r) => r.crlNumber ?? '' },
        ],
        page.records,
        (r) => ({ 'data-audit-row': r.id }),
      ),
    );
    if (page.next)
      main.append(
        el(
          'div',
          { class: 'pager' },
          el('a', { href: `#audit?${new URLSearchParams({ ...Object.fromEntries(params), cursor: page.next })}` }, t('next')),
        ),
      );
  },
};

function pager(page, go) {
  return el(
    'div',
    { class: 'pager' },
    el('button', { type: 'button', disabled: page.offset <= 0, onclick: () => go(Math.max(0, page.offset - 50)) }, t('prev')),
    `${page.total === 0 ? 0 : page.offset + 1}–${page.offset + page.items.length} / ${num(page.total)}`,
    el(
      'button',
      { type: 'button', disabled: page.offset + page.items.length >= page.total, onclick: () => go(page.offset + 50) },
      t('next'),
    ),
  );
}

async function render() {
  const [name, query] = (location.hash.slice(1) || 'overview').split('?');
  const page = pages[name] ? name : 'overview';
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('current', a.dataset.page === page);
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  document.documentElement.lang = lang;
  document.getElementById('lang').textContent = t('lang');
  while (charts.length) charts.pop().destroy();
  const main = document.getElementById('page');
  main.replaceChildren(el('p', { class: 'empty' }, t('loading')));
  const fresh = el('div', { 'data-page': page });
  try {
    await pages[page](fresh, new URLSearchParams(query || ''));
  } catch (error) {
    fresh.append(el('p', { class: 'error' }, String(error.message ?? error)));
  }
  main.replaceChildren(fresh);
  main.dataset.ready = page;
}

document.getElementById('lang').addEventListener('click', () => {
  lang = lang === 'ja' ? 'en' : 'ja';
  localStorage.setItem('jpki-console-lang', lang);
  void render();
});
window.addEventListener('hashchange', () => void render());
void render();
