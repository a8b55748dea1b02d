// Language: the page's words in English and French ("Score d'Engagement
// Produit"), the chosen language, and numbers, sizes and dates in its format.
// Keys are the data-i18n attributes of index.html plus the texts the modules build.
export const I18N = {
  en: {
    docTitle: 'PES calculator — Product Engagement Score',
    settingsTitle: 'Settings:', suggested: 'suggested', coreEventsShort: 'core events', daysWord: 'days',
    addEventLabel: 'Add a core event', windowDays: 'Window in days', answerTitle: 'Result',
    bandHelp: { investigate: 'Below 60: the product is not yet part of its users’ work; start with the weakest component.', fair: '60–70: fair; one component holds the score back.', healthy: '70–80: healthy engagement for a B2B product.', strong: '80 and above: strong; keep an eye on the accounts below.' },
    advice: {
      adoption: { low: 'Low adoption: users do not discover the core features, or onboarding does not do its job.', mid: 'Fair adoption: most users know part of the core features; show the rest where they work.', high: 'Good adoption: users use most of the core features.' },
      stickiness: { low: 'Low stickiness: habits do not form; under 20% the product is seen as "occasionally useful".', mid: 'Fair stickiness: users come back often, not daily; find the daily job the product can own.', high: 'Good stickiness: the product is part of a daily habit.' },
      growth: { low: 'Low growth: you lose users faster than you add them; a quick ratio under 1 means a shrinking base.', mid: 'Fair growth: the base grows a little more than it loses; watch the dropped users.', high: 'Good growth: you add users much faster than you lose them.' },
    },
    quickRatioHelp: 'Quick ratio: users gained (new + recovered) per user lost; above 1 the base grows.',
    attentionTitle: 'Accounts needing attention', attentionHelp: 'Worst first: PES below 60, then the biggest falls, a lone champion, low seat use, a renewal soon.',
    attentionNone: 'No account needs attention.', nMore: '{n} more', nOfAccounts: '{n} of {m}', nMoreAccounts: '{n} more accounts',
    reasons: { below: 'below 60', fell: 'fell {v} points since the previous window', champion: 'one user ({v}) does most of the work: a lone champion', seats: 'uses {v}% of its seats', renewal: 'renewal on {v} with a falling score' },
    close: 'Close', usersTitle: 'Its users among the most engaged of the product', user: 'User', status: 'Status', activeDays: 'Active days', lastActive: 'Last active',
    previousPes: 'PES, previous window', dormantUsers: 'Dormant users', plan: 'Plan', renewal: 'Renewal', activeWord: 'active', dormantWord: 'dormant', product: 'Product',
    seatOver: 'Over 100%: more active users than seats bought; the account may need a bigger plan.',
    spreadTitle: 'Spread of weighted scores', weightedHelp: 'Weighted score: each account’s use of the core events, weighted by importance, 0–100 against the most engaged account. It is not the PES.',
    benchTitle: 'How this compares', benchAvg: 'B2B SaaS average', benchGood: 'Good', benchGreat: 'Great', yourProduct: 'Your product',
    benchSource: 'Benchmarks for B2B SaaS as published by June (june.so) from Sequoia’s figures: DAU/MAU average 15%, good 20%, great 30%; DAU/WAU 22%, 30%, 45%.',
    noChartData: 'Not enough data for this picture yet.',
    seatHelp: 'Seat usage: active users per seat bought; over 100% an account uses more seats than it pays for (a conversation about its plan).',
    formatHintPage: 'the page tells the format from the content: export the file again as one of the formats listed above, or score it with the command line (sep score --format).',
    mbUnit: 'MB',
    lifecycleTitle: 'Users per week: new, returning, resurrected, dormant', lcNew: 'new', lcReturning: 'returning', lcResurrected: 'resurrected', lcDormant: 'dormant',
    dailyTitle: 'Stickiness day by day (DAU/MAU)', dailyHelp: 'Grey lines: B2B SaaS average 15%, good 20%, great 30%.',
    matrixTitle: 'Engagement matrix of the events', matrixHelp: 'Each dot is an event: right, most users do it; high, they do it on many days. Good core events sit up and to the right.',
    matrixX: 'share of active users', matrixY: 'days used per user', otherEvents: 'other events',
    title: 'Product Engagement Score calculator',
    alertsTitle: 'Alerts', whyTitle: 'Why scores fell', weightedScore: 'Weighted', seatUsage: 'Seat usage',
    activated: 'activated users', noAlerts: 'No alert.',
    tagline: 'PES = (adoption + stickiness + growth) / 3, from your analytics export.',
    privacy: 'Your data never leaves your browser: the file is read and scored on this device by WebAssembly, and this page makes no request to any server while it scores.',
    tabFile: 'From an export', tabManual: 'Manual calculator',
    dropHint: 'Drop export files here (Segment, RudderStack, Mixpanel, Amplitude, PostHog, CSV; .json, .jsonl, .csv, .gz, .zip), or',
    pick: 'Choose files', demo: 'Try it with demo data', cancel: 'Cancel',
    coreEvents: 'Core events', coreHelp: 'The 10 to 20 events that show real value. Suggested from your data when you choose none; flagged events make poor core events.',
    addEvent: 'Add an event…', add: 'Add', useSuggested: 'Use the suggestions',
    window: 'Window', custom: 'custom', asOf: 'As of', asOfHelp: 'empty: the last day with activity',
    ratio: 'Stickiness ratio', dauWauWarning: 'DAU/WAU is usually the wrong choice: for weekly products it is noisy and misleading (a WAU/MAU of 80% can be a DAU/WAU of only 11%).',
    unit: 'Unit', users: 'users', accounts: 'accounts', tz: 'Time zone', tzHelp: 'Days are counted in this zone; changing it reads the files again.',
    pes: 'PES', adoption: 'Adoption', stickiness: 'Stickiness', growth: 'Growth',
    adoptionLow: 'Low adoption: users do not discover the core features, or onboarding does not do its job.',
    stickinessLow: 'Low stickiness: habits do not form; under 20% the product is seen as "occasionally useful".',
    growthLow: 'Low growth: you lose users faster than you add them; a quick ratio under 1 means a shrinking base.',
    quickRatio: 'Quick ratio', new: 'new', recovered: 'recovered', dropped: 'dropped', active: 'active',
    monthByMonth: 'Month by month', accountsTitle: 'Accounts', filter: 'Filter accounts…', account: 'Account', activeUsers: 'Active users',
    downloadJSON: 'Download the JSON report', downloadCSV: 'Download the accounts CSV', downloadTraits: 'Download the CRM traits CSV',
    manualHelp: 'Type the numbers; the score updates as you type.',
    mEvents: 'Core events in total', mAdopted: 'Core events adopted', mNew: 'New users', mRecovered: 'Recovered users', mDropped: 'Dropped users',
    rounding: 'The seed article says 52 for this example: it rounds each component first and reads QR 2.0 as "~63". The exact map gives 61.9 and the mean of the unrounded components is 51.2.',
    footer: 'sep is open source. Bands: below 60 investigate, 60–70 fair, 70–80 healthy, 80+ strong.',
    bands: { investigate: 'investigate', fair: 'fair', healthy: 'healthy', strong: 'strong' },
    flags: { navigation: 'navigation', admin_only: 'admin-only', one_time_setup: 'one-time setup' },
    reading: 'Reading', of: 'of', eventsPerSec: 'events/s', period: 'period', noAccounts: 'No account in the data.',
    cancelled: 'Reading cancelled.', errorPrefix: 'Could not score this file: ', remove: 'Remove', lang: 'FR', langLabel: 'Français',
    done: 'Scored', inSec: 'in', seconds: 's',
    settingsErrorPrefix: 'This setting cannot be used (the files are kept; change it to score them): ', resultFor: 'Result for',
    days30: '30 days', days90: '90 days',
    colon: ': ',
    filesRead: 'How each file was read', file: 'File', records: 'Records', activityEvents: 'Activity events', skipped: 'Skipped',
  },
  fr: {
    colon: ' : ',
    docTitle: 'Calculateur SEP — Score d’Engagement Produit',
    settingsTitle: 'Réglages :', suggested: 'suggérés', coreEventsShort: 'événements clés', daysWord: 'jours',
    addEventLabel: 'Ajouter un événement clé', windowDays: 'Fenêtre en jours', answerTitle: 'Résultat',
    bandHelp: { investigate: 'Sous 60 : le produit ne fait pas encore partie du travail de ses utilisateurs ; commencez par le composant le plus faible.', fair: '60–70 : correct ; un composant retient le score.', healthy: '70–80 : un engagement sain pour un produit B2B.', strong: '80 et plus : fort ; surveillez les comptes ci-dessous.' },
    advice: {
      adoption: { low: 'Faible adoption : les utilisateurs ne découvrent pas les fonctionnalités clés, ou l’onboarding ne fait pas son travail.', mid: 'Adoption correcte : la plupart des utilisateurs connaissent une partie des fonctionnalités clés ; montrez le reste là où ils travaillent.', high: 'Bonne adoption : les utilisateurs se servent de la plupart des fonctionnalités clés.' },
      stickiness: { low: 'Faible régularité : les habitudes ne se forment pas ; sous 20 %, le produit est vu comme « occasionnellement utile ».', mid: 'Régularité correcte : les utilisateurs reviennent souvent, pas chaque jour ; trouvez la tâche quotidienne que le produit peut prendre.', high: 'Bonne régularité : le produit fait partie d’une habitude quotidienne.' },
      growth: { low: 'Faible croissance : vous perdez des utilisateurs plus vite que vous n’en ajoutez ; un quick ratio sous 1 signale une base qui rétrécit.', mid: 'Croissance correcte : la base gagne un peu plus qu’elle ne perd ; surveillez les utilisateurs perdus.', high: 'Bonne croissance : vous gagnez des utilisateurs bien plus vite que vous n’en perdez.' },
    },
    quickRatioHelp: 'Quick ratio : utilisateurs gagnés (nouveaux + récupérés) par utilisateur perdu ; au-dessus de 1, la base grandit.',
    attentionTitle: 'Comptes à surveiller', attentionHelp: 'Le pire d’abord : SEP sous 60, puis les plus fortes baisses, un champion isolé, peu de licences utilisées, un renouvellement proche.',
    attentionNone: 'Aucun compte à surveiller.', nMore: '{n} de plus', nOfAccounts: '{n} sur {m}', nMoreAccounts: '{n} comptes de plus',
    reasons: { below: 'sous 60', fell: 'a perdu {v} points depuis la fenêtre précédente', champion: 'un seul utilisateur ({v}) fait l’essentiel : un champion isolé', seats: 'utilise {v} % de ses licences', renewal: 'renouvellement le {v} avec un score en baisse' },
    close: 'Fermer', usersTitle: 'Ses utilisateurs parmi les plus engagés du produit', user: 'Utilisateur', status: 'État', activeDays: 'Jours actifs', lastActive: 'Dernière activité',
    previousPes: 'SEP, fenêtre précédente', dormantUsers: 'Utilisateurs inactifs', plan: 'Offre', renewal: 'Renouvellement', activeWord: 'actif', dormantWord: 'inactif', product: 'Produit',
    seatOver: 'Plus de 100 % : plus d’utilisateurs actifs que de licences achetées ; le compte a peut-être besoin d’une offre plus grande.',
    spreadTitle: 'Répartition des scores pondérés', weightedHelp: 'Score pondéré : l’usage des événements clés par chaque compte, pondéré par importance, de 0 à 100 par rapport au compte le plus engagé. Ce n’est pas le SEP.',
    benchTitle: 'Comparaison', benchAvg: 'Moyenne SaaS B2B', benchGood: 'Bon', benchGreat: 'Excellent', yourProduct: 'Votre produit',
    benchSource: 'Repères SaaS B2B publiés par June (june.so) d’après les chiffres de Sequoia : DAU/MAU moyen 15 %, bon 20 %, excellent 30 % ; DAU/WAU 22 %, 30 %, 45 %.',
    noChartData: 'Pas encore assez de données pour cette image.',
    seatHelp: 'Licences utilisées : utilisateurs actifs par licence achetée ; au-delà de 100 %, un compte utilise plus de licences qu’il n’en paie (une discussion sur son offre).',
    formatHintPage: 'la page reconnaît le format d’après le contenu : exportez de nouveau le fichier dans l’un des formats cités plus haut, ou notez-le en ligne de commande (sep score --format).',
    mbUnit: 'Mo',
    // The core's alerts worded from their rule, value and threshold (in
    // English the page shows the core's own sentence).
    alertWords: {
      pes_below: '{label} : SEP {v} sous {t} (adoption {a}, régularité {s}, croissance {g}).',
      usage_drop: '{label} : l’usage pondéré a baissé de {v0} % par rapport aux {w} jours précédents ({prev} à {now}).',
      top_user_inactive: '{label} : {user}, principal utilisateur des {w} jours précédents, est inactif depuis {v0} jours (dernière activité le {last}).',
      seat_usage_below: '{label} : {active} licences actives sur {seats} ces {w} derniers jours ({v} %), sous {t} %.',
      renewalOn: 'Renouvellement le {renewal}.',
    },
    lifecycleTitle: 'Utilisateurs par semaine : nouveaux, fidèles, revenus, inactifs', lcNew: 'nouveaux', lcReturning: 'fidèles', lcResurrected: 'revenus', lcDormant: 'inactifs',
    dailyTitle: 'Régularité jour par jour (DAU/MAU)', dailyHelp: 'Lignes grises : moyenne SaaS B2B 15 %, bon 20 %, excellent 30 %.',
    matrixTitle: 'Matrice d’engagement des événements', matrixHelp: 'Chaque point est un événement : à droite, la plupart des utilisateurs le font ; en haut, ils le font de nombreux jours. Les bons événements clés sont en haut à droite.',
    matrixX: 'part des utilisateurs actifs', matrixY: 'jours d’usage par utilisateur', otherEvents: 'autres événements',
    title: "Calculateur du Score d'Engagement Produit",
    alertsTitle: 'Alertes', whyTitle: 'Pourquoi les scores ont baissé', weightedScore: 'Pondéré', seatUsage: 'Licences utilisées',
    activated: 'utilisateurs activés', noAlerts: 'Aucune alerte.',
    tagline: 'SEP = (adoption + régularité + croissance) / 3, à partir de votre export analytics.',
    privacy: "Vos données ne quittent jamais votre navigateur : le fichier est lu et noté sur cet appareil par WebAssembly, et cette page n'envoie aucune requête à un serveur pendant le calcul.",
    tabFile: 'À partir d’un export', tabManual: 'Calculateur manuel',
    dropHint: "Déposez vos fichiers d'export ici (Segment, RudderStack, Mixpanel, Amplitude, PostHog, CSV ; .json, .jsonl, .csv, .gz, .zip), ou",
    pick: 'Choisir des fichiers', demo: 'Essayer avec des données de démo', cancel: 'Annuler',
    coreEvents: 'Événements clés', coreHelp: 'Les 10 à 20 événements qui montrent une vraie valeur. Suggérés à partir de vos données si vous n’en choisissez pas ; les événements signalés sont de mauvais événements clés.',
    addEvent: 'Ajouter un événement…', add: 'Ajouter', useSuggested: 'Utiliser les suggestions',
    window: 'Fenêtre', custom: 'personnalisée', asOf: 'Au', asOfHelp: 'vide : le dernier jour avec de l’activité',
    ratio: 'Ratio de régularité', dauWauWarning: 'DAU/WAU est généralement le mauvais choix : pour les produits hebdomadaires, il est bruyant et trompeur (un WAU/MAU de 80 % peut n’être qu’un DAU/WAU de 11 %).',
    unit: 'Unité', users: 'utilisateurs', accounts: 'comptes', tz: 'Fuseau horaire', tzHelp: 'Les jours sont comptés dans ce fuseau ; le changer relit les fichiers.',
    pes: 'SEP', adoption: 'Adoption', stickiness: 'Régularité', growth: 'Croissance',
    adoptionLow: 'Faible adoption : les utilisateurs ne découvrent pas les fonctionnalités clés, ou l’onboarding ne fait pas son travail.',
    stickinessLow: 'Faible régularité : les habitudes ne se forment pas ; sous 20 %, le produit est vu comme « occasionnellement utile ».',
    growthLow: 'Faible croissance : vous perdez des utilisateurs plus vite que vous n’en ajoutez ; un quick ratio sous 1 signale une base qui rétrécit.',
    quickRatio: 'Quick ratio', new: 'nouveaux', recovered: 'récupérés', dropped: 'perdus', active: 'actifs',
    monthByMonth: 'Mois par mois', accountsTitle: 'Comptes', filter: 'Filtrer les comptes…', account: 'Compte', activeUsers: 'Utilisateurs actifs',
    downloadJSON: 'Télécharger le rapport JSON', downloadCSV: 'Télécharger le CSV des comptes', downloadTraits: 'Télécharger le CSV des traits CRM',
    manualHelp: 'Saisissez les chiffres ; le score se met à jour pendant la saisie.',
    mEvents: 'Événements clés au total', mAdopted: 'Événements clés adoptés', mNew: 'Nouveaux utilisateurs', mRecovered: 'Utilisateurs récupérés', mDropped: 'Utilisateurs perdus',
    rounding: 'L’article d’origine donne 52 pour cet exemple : il arrondit chaque composant d’abord et lit QR 2,0 comme « ~63 ». Le mapping exact donne 61,9 et la moyenne des composants non arrondis vaut 51,2.',
    footer: 'sep est open source. Seuils : sous 60 à creuser, 60–70 correct, 70–80 sain, 80+ fort.',
    bands: { investigate: 'à creuser', fair: 'correct', healthy: 'sain', strong: 'fort' },
    flags: { navigation: 'navigation', admin_only: 'réservé aux admins', one_time_setup: 'configuration unique' },
    reading: 'Lecture', of: 'sur', eventsPerSec: 'événements/s', period: 'période', noAccounts: 'Aucun compte dans les données.',
    cancelled: 'Lecture annulée.', errorPrefix: 'Impossible de noter ce fichier : ', remove: 'Retirer', lang: 'EN', langLabel: 'English',
    done: 'Noté', inSec: 'en', seconds: 's',
    settingsErrorPrefix: 'Ce réglage ne peut pas être utilisé (les fichiers sont gardés ; changez-le pour les noter) : ', resultFor: 'Résultat pour',
    days30: '30 jours', days90: '90 jours',
    filesRead: 'Comment chaque fichier a été lu', file: 'Fichier', records: 'Enregistrements', activityEvents: 'Événements d’activité', skipped: 'Ignorés',
  },
};

// lang is the page's language; setLang changes it.
let lang = 'en';
export const getLang = () => lang;
export function setLang(l) {
  lang = I18N[l] ? l : 'en';
}

// pickLang chooses the language from the link (?lang=) or the browser.
export function pickLang(params) {
  setLang(params.get('lang') || ((navigator.language || 'en').toLowerCase().startsWith('fr') ? 'fr' : 'en'));
}

// t returns the word for key k in the page's language (English when missing).
export const t = (k) => I18N[lang][k] ?? I18N.en[k] ?? k;

// num1 writes a number with one decimal in the page's locale ('–' for none).
export const num1 = (v) => (v === null || v === undefined ? '–' : new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v));
export const num2 = (v) => new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
export const int = (v) => new Intl.NumberFormat(lang).format(v);
// mb writes a byte count in megabytes with one decimal, in the locale's format.
export const mb = (b) => new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(b / 1e6);
export const qr = (v) => (v === null || v === undefined ? '–' : v === 'inf' ? '∞' : num1(v));
export const dateFmt = (s) => (s ? new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${s}T00:00:00Z`)) : '');
export const monthFmt = (ym) => new Intl.DateTimeFormat(lang, { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(new Date(`${ym}-01T00:00:00Z`));

// applyLang writes every data-i18n text of the document in the page's language.
export function applyLang() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => { el.placeholder = t(el.dataset.i18nPlaceholder); });
  document.querySelectorAll('[data-i18n-label]').forEach((el) => { el.setAttribute('aria-label', t(el.dataset.i18nLabel)); });
  document.title = t('docTitle');
}

// signed1 writes a change with its sign and one decimal (+1,5 / −2,0).
const signed1 = (v) => new Intl.NumberFormat(lang, { signDisplay: 'always', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(v);
const list = (a) => (a || []).join(', ');
const plural = (n, one, many) => (n > 1 ? many : one);
const REASONS_FR = {
  invalid_json: 'JSON invalide', bad_timestamp: 'date illisible', no_user: 'sans utilisateur', no_event_name: 'sans nom d’événement',
  missing_field: 'champ manquant', bad_csv: 'CSV invalide', unknown_type: 'type inconnu', bad_field: 'champ invalide',
  line_too_long: 'ligne trop longue', timestamp_out_of_range: 'date hors des dates plausibles', id_too_long: 'identifiant trop long',
  event_name_too_long: 'nom d’événement trop long', trait_key_too_long: 'nom de trait trop long',
};
const reasonFr = (r) => REASONS_FR[r] || r;
const reasonsFr = (m) => Object.keys(m || {}).sort().map((k) => `${reasonFr(k)} : ${int(m[k])}`).join(', ');

// anyNum writes a number as it is, in the page's locale (3 660, 0,5).
const anyNum = (v) => (typeof v === 'number' ? new Intl.NumberFormat(lang, { maximumFractionDigits: 6 }).format(v) : String(v));
const quoted = (v) => `«\u00a0${v}\u00a0»`; // no line break inside
const ratioParts = (r) => String(r || 'dau/mau').toUpperCase().split('/');
const BAD_ZIP_FR = { format: 'ce n’est pas une archive .zip lisible (fichier tronqué ou d’un autre type)', algorithm: 'une entrée est compressée d’une façon que la page ne sait pas lire (seul «\u00a0deflate\u00a0» est lu)', checksum: 'une entrée est abîmée (somme de contrôle fausse)', path: 'une entrée a un chemin dangereux' };
const BAD_ZIP_EN = { format: 'not a readable .zip archive (cut short, or another kind of file)', algorithm: 'an entry is compressed in a way the page cannot read (only deflate is read)', checksum: 'an entry is damaged (wrong checksum)', path: 'an entry has an unsafe path' };
const BAD_GZIP_FR = { header: 'ce n’est pas un fichier gzip valide (en-tête illisible)', checksum: 'le fichier gzip est abîmé (somme de contrôle fausse)', corrupt: 'le fichier gzip est abîmé (données illisibles)', truncated: 'le fichier est tronqué (il s’arrête au milieu d’un enregistrement ou d’un bloc gzip)' };
const BAD_GZIP_EN = { header: 'not a valid gzip file (unreadable header)', checksum: 'the gzip file is damaged (wrong checksum)', corrupt: 'the gzip file is damaged (unreadable data)', truncated: 'the file is cut short (it ends in the middle of a record or of a gzip block)' };
const FORMATS = 'Segment, RudderStack, Mixpanel, Amplitude, PostHog, CSV';

// ERRORS_FR and ERRORS_EN word the errors of the settings and of unreadable
// files (core.ErrorMessage's keys), for the page: no command-line flags.
const ERRORS_FR = {
  setting_tz_unknown: (v) => `fuseau horaire : ${quoted(v.value)} n’est pas un fuseau connu ; choisissez-en un de la liste (par exemple Europe/Paris).`,
  setting_as_of_day: (v) => `jour de fin («\u00a0Au\u00a0») : ${quoted(v.value)} n’est pas une date AAAA-MM-JJ.`,
  setting_window_range: (v) => `la fenêtre doit compter de ${anyNum(v.min)} à ${anyNum(v.max)} jours, pas ${anyNum(v.value)}.`,
  setting_window_whole: (v) => `fenêtre : ${quoted(v.value)} n’est pas un nombre entier de jours.`,
  setting_ratio: (v) => `ratio de régularité : ${quoted(v.value)} n’est ni DAU/MAU, ni WAU/MAU, ni DAU/WAU.`,
  setting_unit: (v) => `unité : ${quoted(v.value)} n’est ni «\u00a0utilisateurs\u00a0» ni «\u00a0comptes\u00a0».`,
  setting_weight_k_range: (v) => `le k du score pondéré doit être compris entre ${anyNum(v.min)} et ${anyNum(v.max)}, pas ${anyNum(v.value)}.`,
  setting_activation_share_range: (v) => `la part d’activation doit être comprise entre 0 et 1, pas ${anyNum(v.value)}.`,
  setting_weights_negative: (v) => `poids : le poids de ${quoted(v.event)} doit être un nombre positif ou nul.`,
  setting_weights_pair: (v) => `poids : ${quoted(v.value)} n’a pas la forme événement:poids.`,
  setting_weights_number: (v) => `poids : le poids de ${quoted(v.event)}, ${quoted(v.value)}, n’est pas un nombre.`,
  setting_trend_bool: (v) => `tendance : ${quoted(v.value)} n’est ni vrai ni faux.`,
  setting_unknown: (v) => `réglage inconnu : ${quoted(v.setting)}.`,
  settings_json: () => 'les réglages ne sont pas lisibles (JSON invalide) ; rechargez la page.',
  binary_file: (v) => `${v.file} : fichier binaire, ce n’est pas un export (la page lit du JSON, des lignes JSON et du CSV, compressés en gzip ou non, et des archives .zip de ces fichiers).`,
  empty_input: (v) => `${v.file} : le fichier est vide, rien à lire.`,
  format_unknown: (v) => `${v.file} : format non reconnu (ni JSON ni CSV) ; ${I18N.fr.formatHintPage}`,
  format_no_keys: (v) => `${v.file} : format non reconnu : aucun enregistrement n’a les clés d’un export que la page lit (${FORMATS}) ; ${I18N.fr.formatHintPage}`,
  csv_no_layout: (v) => `${v.file}, ligne 1 : l’en-tête CSV ne correspond à aucune disposition connue : il faut une colonne d’événement (event, name ou event_type), une colonne de date (timestamp, time ou event_time) et une colonne d’utilisateur (user_id, distinct_id ou anonymous_id), une colonne de compte en option ; l’en-tête a ${list(v.columns)}.`,
  csv_empty: (v) => `${v.file} : CSV vide : il faut une ligne d’en-tête.`,
  csv_header_syntax: (v) => `${v.file}, ligne 1 : l’en-tête CSV est mal formé (guillemets mal placés).`,
  csv_missing_columns: (v) => `${v.file}, ligne 1 : l’en-tête CSV n’a pas de colonne ${(v.missing || []).join(', ')} (colonnes : ${list(v.columns)}).`,
  bad_record: (v) => `${v.file}${v.line ? `, ligne ${int(v.line)}` : ''}${v.field ? `, champ ${quoted(v.field)}` : ''} : ${reasonFr(v.reason)}.`,
  inflate_limit: (v) => `${v.file} : une fois décompressé, le fichier dépasse la limite de ${mb(v.limit)} Mo.`,
  bad_zip: (v) => `${v.file} : ${BAD_ZIP_FR[v.problem] || BAD_ZIP_FR.format}.`,
  bad_gzip: (v) => `${v.file} : ${BAD_GZIP_FR[v.problem] || BAD_GZIP_FR.corrupt}.`,
  cancelled: () => 'Lecture annulée.',
  calc_negative: (v) => `${v.field} doit être positif ou nul (${anyNum(v.value)} saisi).`,
  calc_adopted_over: (v) => `les événements clés adoptés (${anyNum(v.adopted)}) ne peuvent pas dépasser le nombre d’événements clés (${anyNum(v.events)}).`,
  calc_ratio: (v) => `ratio de régularité : ${quoted(v.value)} n’est ni DAU/MAU, ni WAU/MAU, ni DAU/WAU.`,
  calc_ratio_over: (v) => `le ${ratioParts(v.ratio)[0]} ne peut pas dépasser le ${ratioParts(v.ratio)[1]} (ratio ${String(v.ratio).toUpperCase()}).`,
  demo_unavailable: (v) => `les données de démo n’ont pas pu être chargées${v.status ? ` (HTTP ${v.status})` : ''}.`,
};
const ERRORS_EN = {
  setting_tz_unknown: (v) => `time zone: unknown time zone "${v.value}"; pick one from the list (such as Europe/Paris).`,
  setting_as_of_day: (v) => `last day ("As of"): "${v.value}" is not a YYYY-MM-DD date.`,
  setting_window_range: (v) => `the window must be ${anyNum(v.min)} to ${anyNum(v.max)} days, not ${anyNum(v.value)}.`,
  setting_window_whole: (v) => `window: "${v.value}" is not a whole number of days.`,
  setting_ratio: (v) => `stickiness ratio: "${v.value}" is not DAU/MAU, WAU/MAU or DAU/WAU.`,
  setting_unit: (v) => `unit: "${v.value}" is not users or accounts.`,
  setting_weight_k_range: (v) => `k of the weighted score must be between ${anyNum(v.min)} and ${anyNum(v.max)}, not ${anyNum(v.value)}.`,
  setting_activation_share_range: (v) => `the activation share must be between 0 and 1, not ${anyNum(v.value)}.`,
  setting_weights_negative: (v) => `weights: the weight of "${v.event}" must be a number of 0 or more.`,
  setting_weights_pair: (v) => `weights: "${v.value}" is not event:weight.`,
  setting_weights_number: (v) => `weights: the weight of "${v.event}", "${v.value}", is not a number.`,
  setting_trend_bool: (v) => `trend: "${v.value}" is not true or false.`,
  setting_unknown: (v) => `unknown setting "${v.setting}".`,
  settings_json: () => 'the settings cannot be read (invalid JSON); reload the page.',
  binary_file: (v) => `${v.file}: binary file, not an export (the page reads JSON, JSON lines and CSV, gzipped or not, and .zip archives of them).`,
  empty_input: (v) => `${v.file}: the file is empty, nothing to read.`,
  format_unknown: (v) => `${v.file}: format not recognised (neither JSON nor CSV); ${I18N.en.formatHintPage}`,
  format_no_keys: (v) => `${v.file}: format not recognised: no record has the keys of an export the page reads (${FORMATS}); ${I18N.en.formatHintPage}`,
  csv_no_layout: (v) => `${v.file}, line 1: the CSV header fits none of the layouts the page knows: it needs an event column (event, name or event_type), a timestamp column (timestamp, time or event_time) and a user column (user_id, distinct_id or anonymous_id), an account column optionally; the header has ${list(v.columns)}.`,
  csv_empty: (v) => `${v.file}: empty CSV: a header row is needed.`,
  csv_header_syntax: (v) => `${v.file}, line 1: the CSV header is malformed (misplaced quotes).`,
  csv_missing_columns: (v) => `${v.file}, line 1: the CSV header has no ${(v.missing || []).join(', ')} column (columns: ${list(v.columns)}).`,
  bad_record: (v) => `${v.file}${v.line ? `, line ${int(v.line)}` : ''}${v.field ? `, field "${v.field}"` : ''}: ${String(v.reason || '').replace(/_/g, ' ')}.`,
  inflate_limit: (v) => `${v.file}: decompressed, the file is over the limit of ${mb(v.limit)} MB.`,
  bad_zip: (v) => `${v.file}: ${BAD_ZIP_EN[v.problem] || BAD_ZIP_EN.format}.`,
  bad_gzip: (v) => `${v.file}: ${BAD_GZIP_EN[v.problem] || BAD_GZIP_EN.corrupt}.`,
  cancelled: () => 'Reading cancelled.',
  calc_negative: (v) => `${v.field} must be 0 or more (${anyNum(v.value)} typed).`,
  calc_adopted_over: (v) => `core events adopted (${anyNum(v.adopted)}) cannot exceed the number of core events (${anyNum(v.events)}).`,
  calc_ratio: (v) => `stickiness ratio: "${v.value}" is not DAU/MAU, WAU/MAU or DAU/WAU.`,
  calc_ratio_over: (v) => `${ratioParts(v.ratio)[0]} cannot exceed ${ratioParts(v.ratio)[1]} (ratio ${String(v.ratio).toUpperCase()}).`,
  demo_unavailable: (v) => `the demo data could not be loaded${v.status ? ` (HTTP ${v.status})` : ''}.`,
};

// ERROR_KEYS are the keys of every error the page can show; a test checks
// that the core's keys and the page's own are all here (e2e/site.test.mjs).
export const ERROR_KEYS = Object.keys(ERRORS_FR);

// MESSAGES words the core's message keys (report warnings, explanations,
// errors: docs/report.md lists them) from their values. English needs none
// but for errors: the core's own sentences are English, and its errors'
// English is reworded for the page (no command-line flags).
const MESSAGES = {
  en: ERRORS_EN,
  fr: {
    ...ERRORS_FR,
    no_activity: () => 'Les données ne contiennent aucun événement d’activité (track, page ou screen) : rien à noter.',
    skipped: (v) => `${int(v.skipped)} enregistrements sur ${int(v.events)} ont été ignorés (${reasonsFr(v.reasons)}).`,
    file_mostly_skipped: (v) => `${v.file} : ${int(v.skipped)} enregistrements sur ${int(v.events)} ont été ignorés, surtout ${reasonFr(v.reason)} (${int(v.count)}), en le lisant comme ${v.format} ; si c’est un autre export, ${I18N.fr.formatHintPage}`,
    mixpanel_offset: (v) => `${v.file} : dans ${int(v.count)} événements Mixpanel sur ${int(v.events)}, l’heure est décalée de ${v.hours > 0 ? '+' : ''}${v.hours} h par rapport à $mp_api_timestamp_ms : le projet exporte l’heure dans son propre fuseau (UTC${v.hours > 0 ? '+' : ''}${v.hours} à ces dates) ; indiquez ce fuseau (--input-tz en ligne de commande, input_tz en configuration).`,
    duplicates: (v) => `${int(v.duplicates)} enregistrements sur ${int(v.events)} répètent l’identifiant d’un enregistrement précédent (messageId, uuid, insert_id) : chaque événement a été compté une fois.`,
    suggested_core_events: (v) => `Aucun événement clé choisi : score calculé avec les ${int(v.n)} suggérés (${list(v.events)}). Choisissez vos propres événements clés pour un score comparable dans le temps.`,
    core_event_absent: (v) => `L’événement clé « ${v.event} » n’apparaît jamais dans les données : il compte dans K, mais personne ne peut l’avoir adopté.`,
    no_core_events: () => 'Aucun événement clé : l’adoption (et donc le SEP) ne peut pas être calculée.',
    users_without_account: (v) => `${int(v.n)} ${plural(v.n, 'utilisateur actif', 'utilisateurs actifs')} sur la période n’appartiennent à aucun compte : ils sont exclus du score par compte.`,
    no_active: (v) => `Aucun ${v.unit === 'account' ? 'compte' : 'utilisateur'} actif entre le ${dateFmt(v.start)} et le ${dateFmt(v.end)}.`,
    short_history: (v) => `Les données commencent le ${dateFmt(v.first_day)}, moins de 29 jours avant la période : les premiers MAU/WAU sont partiels, la régularité paraît donc élevée.`,
    growth_needs_history: (v) => `La croissance demande 2×${v.window} = ${v.days} jours d’historique (depuis le ${dateFmt(v.from)}) ; les données commencent le ${dateFmt(v.first_day)} : la croissance et le SEP ne sont pas calculés.`,
    pes_fell: (v) => `Le SEP est passé de ${num1(v.from)} à ${num1(v.to)} (${signed1(v.change)}) par rapport aux ${v.days} jours précédents.`,
    component_moved: (v) => `${I18N.fr[v.component] || v.component} : le composant qui a le plus bougé (${signed1(v.change)} points).`,
    users_dormant: (v) => `${int(v.n)} ${plural(v.n, 'utilisateur devenu inactif (actif avant, pas sur la période)', 'utilisateurs devenus inactifs (actifs avant, pas sur la période)')} : ${list(v.names)}${v.more > 0 ? ` et ${int(v.more)} de plus` : ''}.`,
    core_events_dropped: (v) => `${int(v.n)} ${plural(v.n, 'événement clé n’est plus utilisé', 'événements clés ne sont plus utilisés')} : ${list(v.events)}.`,
    seat_usage_changed: (v) => `L’usage des licences est passé de ${num1(v.from)} % à ${num1(v.to)} %.`,
    no_activity_read: (v) => `aucun événement d’activité (track, page ou screen) n’a pu être lu : ${(v.files || []).map((f) => `${f.name} lu comme ${f.format}, ${int(f.events)} enregistrements${f.skipped ? `, ${int(f.skipped)} ignorés` : ''}`).join(' ; ')}. Si un fichier vient d’un autre export que celui détecté, ${I18N.fr.formatHintPage}`,
  },
};

// word writes one of the core's messages ({key, values}) in the page's
// language, or its English sentence (fallback) when the language has no
// wording for the key.
export function word(m, fallback) {
  const f = m && MESSAGES[lang] && MESSAGES[lang][m.key];
  return f ? f(m.values || {}) : fallback;
}
