/**
 * The made-up helpdesk the generator simulates: agent groups, agents, and the text requesters
 * write in several languages (non-ASCII names and subjects, emoji), so the lake sees the kinds of
 * strings real Freshdesk accounts hold. All names, emails and numbers are fictitious.
 *
 * `helpdeskApiDimensions()` gives the same helpdesk as the Freshdesk API would describe it (agents,
 * groups, ticket fields with the custom status, business hours, SLA policy), so a generated lake
 * gets the dimension tables a synced one has, and shows names.
 */
import type { FreshdeskDimensionObjects } from '../dimensions/rows';
import { TICKET_PRIORITY, TICKET_SOURCE, TICKET_STATUS, TICKET_TYPES } from '../freshdesk-codes';

export type TicketType = (typeof TICKET_TYPES)[number];

export interface AgentGroup {
  readonly id: number;
  readonly name: string;
  /** The ticket types this group handles first. */
  readonly types: readonly TicketType[];
  readonly agentIds: readonly number[];
}

/** Agent groups and their agents (Freshdesk ids are large integers, as in the samples). */
export const AGENT_GROUPS: readonly AgentGroup[] = [
  { id: 20000012345, name: 'Billing', types: ['Refund'], agentIds: [20000000042, 20000000043, 20000000044] },
  { id: 20000012346, name: 'Technical Support', types: ['Incident', 'Problem'], agentIds: [20000000050, 20000000051, 20000000052, 20000000053, 20000000054] },
  { id: 20000012347, name: 'Customer Success', types: ['Question'], agentIds: [20000000060, 20000000061, 20000000062, 20000000063] },
  { id: 20000012348, name: 'Product', types: ['Feature Request'], agentIds: [20000000070, 20000000071] },
];

/** Agent names by id (the contact name Freshdesk shows for an agent). */
export const AGENT_NAMES: Readonly<Record<number, string>> = {
  20000000042: 'Dana Whitfield',
  20000000043: 'Tomás Ferreira',
  20000000044: 'Aiko Tanaka',
  20000000050: 'Marcus Lindqvist',
  20000000051: 'Priya Raman',
  20000000052: 'Jonas Becker',
  20000000053: 'Sofía Herrera',
  20000000054: 'Kwame Mensah',
  20000000060: 'Chloé Martin',
  20000000061: 'Oleksandr Koval',
  20000000062: 'Grace O\'Connor',
  20000000063: 'Mei Lin',
  20000000070: 'Rafael Costa',
  20000000071: 'Hannah Schulz',
};

/**
 * A custom status the account added (a code above 5). Its name travels in `changes.status_details`
 * and in the status field's choices: the lake shows it by name once the ticket fields are synced.
 */
export const CUSTOM_STATUS = { id: 6, name: 'Waiting on Third Party', customerLabel: 'Being Processed' } as const;

const HOUR_SECONDS = 3600;
const DAY_SECONDS = 24 * HOUR_SECONDS;

/** The account's default SLA policy: first response and resolution targets by priority (seconds). */
export const FIRST_RESPONSE_SLA: Readonly<Record<number, number>> = { 1: DAY_SECONDS, 2: 8 * HOUR_SECONDS, 3: 4 * HOUR_SECONDS, 4: HOUR_SECONDS };
export const RESOLUTION_SLA: Readonly<Record<number, number>> = { 1: 5 * DAY_SECONDS, 2: 3 * DAY_SECONDS, 3: DAY_SECONDS, 4: 4 * HOUR_SECONDS };

export interface Language {
  readonly code: string;
  readonly emailDomain: string;
  readonly firstNames: readonly string[];
  readonly lastNames: readonly string[];
  /** Subject and body templates per ticket type; `{n}` is replaced by an order number. */
  readonly texts: Readonly<Record<TicketType, readonly (readonly [subject: string, body: string])[]>>;
}

export const LANGUAGES: readonly Language[] = [
  {
    code: 'en',
    emailDomain: 'example.com',
    firstNames: ['Emma', 'Liam', 'Olivia', 'Noah', 'Ava', 'Ethan', 'Mia', 'Lucas', 'Chloé', 'Zoë'],
    lastNames: ['Wilson', "O'Brien", 'Smith', 'Nguyen', 'Patel', 'García', 'Johnson', 'Brown'],
    texts: {
      Refund: [
        ['Refund for duplicate charge', 'I was charged twice for order {n}.'],
        ['Please refund order {n}', 'The item arrived broken, I would like my money back.'],
        ['Cancel my subscription and refund', 'I cancelled within the trial period but was billed for order {n}.'],
      ],
      Question: [
        ['How do I export my invoices?', 'Where can I download all invoices of last year as PDF?'],
        ['Can I add a second admin?', 'We need another administrator on our account.'],
        ['Question about order {n}', 'When will order {n} ship?'],
      ],
      Incident: [
        ['Login fails since this morning', 'Every login attempt ends with "something went wrong" 😩'],
        ['Checkout page returns error 500', 'Customers cannot pay, order {n} failed three times.'],
        ['App crashes on start', 'After the last update the app closes right after the splash screen.'],
      ],
      Problem: [
        ['Nightly sync keeps failing', 'The export to our ERP fails every night since the upgrade.'],
        ['Reports show wrong totals', 'Totals in the monthly report do not add up (order {n}).'],
      ],
      'Feature Request': [
        ['Feature request: dark mode', 'Our agents work night shifts, a dark theme would help 🌙'],
        ['Please add SSO with Okta', 'We would like single sign-on for all our users.'],
      ],
    },
  },
  {
    code: 'pt-BR',
    emailDomain: 'example.com.br',
    firstNames: ['João', 'Ana', 'Conceição', 'Luís', 'Mariana', 'Thiago'],
    lastNames: ['Souza', 'Lima', 'Araújo', 'Gonçalves', 'Simões'],
    texts: {
      Refund: [['Reembolso da cobrança duplicada', 'Fui cobrado duas vezes pelo pedido {n}.']],
      Question: [['Como emito a segunda via do boleto?', 'Não encontro a opção de segunda via.']],
      Incident: [['Não consigo acessar minha conta', 'Login falha desde ontem 😞']],
      Problem: [['Sincronização falha toda noite', 'A integração para de funcionar às 2h.']],
      'Feature Request': [['Sugestão: exportar relatórios em Excel', 'Seria ótimo exportar relatórios em .xlsx.']],
    },
  },
  {
    code: 'es',
    emailDomain: 'example.es',
    firstNames: ['José', 'María', 'Íñigo', 'Lucía', 'Andrés'],
    lastNames: ['Núñez', 'Peña', 'García', 'Martínez', 'Ibáñez'],
    texts: {
      Refund: [['Solicitud de reembolso del pedido {n}', 'El producto llegó dañado, quiero la devolución.']],
      Question: [['¿Cómo cambio mi contraseña?', '¿Dónde está la opción para cambiar la contraseña?']],
      Incident: [['No puedo iniciar sesión', 'La aplicación dice «error desconocido».']],
      Problem: [['Los informes no cargan', 'El panel de informes tarda más de un minuto.']],
      'Feature Request': [['Petición: modo oscuro', 'Nos encantaría un tema oscuro ✨']],
    },
  },
  {
    code: 'de',
    emailDomain: 'example.de',
    firstNames: ['Jürgen', 'Zoë', 'Björn', 'Käthe', 'Lena'],
    lastNames: ['Müller', 'Weiß', 'Schröder', 'Groß', 'Köhler'],
    texts: {
      Refund: [['Rückerstattung für doppelte Abbuchung', 'Bestellung {n} wurde zweimal abgebucht.']],
      Question: [['Wie ändere ich die Rechnungsadresse?', 'Unsere Firma ist umgezogen.']],
      Incident: [['Anmeldung schlägt fehl', 'Seit dem Update kann sich niemand mehr anmelden ⚠️']],
      Problem: [['Export bricht regelmäßig ab', 'Der CSV-Export endet nach 10.000 Zeilen.']],
      'Feature Request': [['Wunsch: Zwei-Faktor-Authentifizierung', 'Bitte 2FA für alle Konten anbieten.']],
    },
  },
  {
    code: 'fr',
    emailDomain: 'example.fr',
    firstNames: ['Françoise', 'Anaïs', 'Gaël', 'Hélène', 'Noël'],
    lastNames: ['Lefèvre', 'Dubois', 'Bénard', 'Rousseau'],
    texts: {
      Refund: [['Remboursement de la commande {n}', 'J’ai été débité deux fois, merci de rembourser.']],
      Question: [['Où trouver mes factures ?', 'Je ne vois pas l’onglet « Factures ».']],
      Incident: [['Impossible de me connecter — erreur 500', 'Le site renvoie une erreur depuis ce matin.']],
      Problem: [['Synchronisation du calendrier en échec', 'Les rendez-vous ne se synchronisent plus.']],
      'Feature Request': [['Demande : export PDF des rapports', 'Un export PDF serait très utile 🙏']],
    },
  },
  {
    code: 'ja',
    emailDomain: 'example.jp',
    firstNames: ['太郎', '花子', '翔太', 'さくら'],
    lastNames: ['田中', '佐藤', '鈴木', '高橋'],
    texts: {
      Refund: [['返金のお願い（注文 {n}）', '二重に請求されています。返金をお願いします。']],
      Question: [['請求書のダウンロード方法', '昨年分の請求書をまとめて取得できますか？']],
      Incident: [['ログインできません', '今朝からログインするとエラーになります 🙇']],
      Problem: [['同期が毎晩失敗します', 'アップデート後、夜間の同期が止まります。']],
      'Feature Request': [['ダークモードの要望', 'ダークモードがあると助かります。']],
    },
  },
  {
    code: 'ru',
    emailDomain: 'example.ru',
    firstNames: ['Мария', 'Дмитрий', 'Ольга', 'Сергей'],
    lastNames: ['Иванова', 'Соколов', 'Кузнецова', 'Попов'],
    texts: {
      Refund: [['Возврат средств за заказ {n}', 'Деньги списали дважды, прошу вернуть.']],
      Question: [['Как добавить сотрудника?', 'Не нашёл, где приглашать коллег.']],
      Incident: [['Не работает вход в систему', 'С утра не удаётся войти 😕']],
      Problem: [['Отчёты формируются с ошибками', 'Итоги в отчёте не сходятся.']],
      'Feature Request': [['Пожелание: тёмная тема', 'Добавьте, пожалуйста, тёмную тему.']],
    },
  },
  {
    code: 'pl',
    emailDomain: 'example.pl',
    firstNames: ['Łukasz', 'Zofia', 'Paweł', 'Małgorzata'],
    lastNames: ['Wójcik', 'Kowalczyk', 'Dąbrowski', 'Żak'],
    texts: {
      Refund: [['Zwrot pieniędzy za zamówienie {n}', 'Płatność pobrano dwukrotnie.']],
      Question: [['Jak zmienić dane firmy?', 'Zmieniliśmy NIP i adres.']],
      Incident: [['Błąd logowania', 'Nie mogę się zalogować od rana.']],
      Problem: [['Eksport się zawiesza', 'Eksport danych nigdy się nie kończy.']],
      'Feature Request': [['Prośba: integracja ze Slackiem', 'Powiadomienia w Slacku byłyby świetne.']],
    },
  },
];

/** Weights of the requester languages: mostly English, a long tail of others. */
export const LANGUAGE_WEIGHTS: readonly number[] = [55, 10, 9, 8, 7, 4, 4, 3];

/** Tags an agent may put on a ticket of each type. */
export const TAGS_BY_TYPE: Readonly<Record<TicketType, readonly string[]>> = {
  Refund: ['billing', 'refund', 'vip', 'chargeback'],
  Question: ['how-to', 'account', 'billing'],
  Incident: ['outage', 'login', 'payments', 'vip', 'mobile'],
  Problem: ['integration', 'reports', 'sync'],
  'Feature Request': ['roadmap', 'ux', 'integration'],
};

/** Plans customers are on (custom field cf_plan). */
export const PLANS: readonly string[] = ['Free', 'Starter', 'Pro', 'Enterprise'];

/** When the made-up account set up its agents, groups and fields. */
const ACCOUNT_SETUP = '2024-01-15T09:00:00Z';
const BUSINESS_HOURS_ID = 20000000101;

/** The customer labels Freshdesk gives its default statuses. */
const CUSTOMER_STATUS_LABELS: Readonly<Record<number, string>> = { 2: 'Being Processed', 3: 'Awaiting your Reply', 4: 'This ticket has been Resolved', 5: 'This ticket has been Closed' };

/**
 * The helpdesk as `GET /api/v2/agents`, `/groups`, `/ticket_fields`, `/business_hours` and
 * `/sla_policies` would answer (the fields lib/dimensions reads; contact details left out, as the
 * lake never keeps them).
 */
export function helpdeskApiDimensions(): FreshdeskDimensionObjects {
  const statusChoices: Record<string, [string, string]> = {};
  for (const [code, name] of Object.entries(TICKET_STATUS)) statusChoices[code] = [name, CUSTOMER_STATUS_LABELS[Number(code)]];
  statusChoices[String(CUSTOM_STATUS.id)] = [CUSTOM_STATUS.name, CUSTOM_STATUS.customerLabel];
  const invert = (codes: Record<number, string>) => Object.fromEntries(Object.entries(codes).map(([code, name]) => [name, Number(code)]));
  const field = (id: number, name: string, label: string, type: string, position: number, choices: unknown) => ({
    id, name, label, label_for_customers: label, type, default: !name.startsWith('cf_'), position, required_for_agents: name === 'status' || name === 'priority',
    choices, created_at: ACCOUNT_SETUP, updated_at: ACCOUNT_SETUP,
  });
  return {
    agents: AGENT_GROUPS.flatMap((group) =>
      group.agentIds.map((id) => ({ id, type: 'support_agent', occasional: false, contact: { name: AGENT_NAMES[id] ?? `Agent ${id}`, active: true }, created_at: ACCOUNT_SETUP, updated_at: ACCOUNT_SETUP })),
    ),
    groups: AGENT_GROUPS.map((group) => ({
      id: group.id, name: group.name, description: `${group.types.join(', ')} tickets`, business_hour_id: BUSINESS_HOURS_ID, escalate_to: group.agentIds[0], unassigned_for: '30m',
      created_at: ACCOUNT_SETUP, updated_at: ACCOUNT_SETUP,
    })),
    ticketFields: [
      field(20000000201, 'status', 'Status', 'default_status', 3, statusChoices),
      field(20000000202, 'priority', 'Priority', 'default_priority', 4, invert(TICKET_PRIORITY)),
      field(20000000203, 'source', 'Source', 'default_source', 5, invert(TICKET_SOURCE)),
      field(20000000204, 'ticket_type', 'Type', 'default_ticket_type', 2, [...TICKET_TYPES]),
      field(20000000205, 'cf_plan', 'Plan', 'custom_dropdown', 10, [...PLANS]),
    ],
    businessHours: [
      {
        id: BUSINESS_HOURS_ID, name: 'Support hours', description: 'Weekdays, 8:00 to 18:00', is_default: true, time_zone: 'Eastern Time (US & Canada)',
        business_hours: Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [day, { start_time: '8:00 am', end_time: '6:00 pm' }])),
        created_at: ACCOUNT_SETUP, updated_at: ACCOUNT_SETUP,
      },
    ],
    slaPolicies: [
      {
        id: 20000000301, name: 'Default SLA Policy', description: 'default policy', active: true, is_default: true, position: 1,
        sla_target: Object.fromEntries(
          Object.keys(TICKET_PRIORITY).map((p) => [`priority_${p}`, { respond_within: FIRST_RESPONSE_SLA[Number(p)], resolve_within: RESOLUTION_SLA[Number(p)], business_hours: false, escalation_enabled: true }]),
        ),
        applicable_to: {},
        created_at: ACCOUNT_SETUP, updated_at: ACCOUNT_SETUP,
      },
    ],
  };
}
