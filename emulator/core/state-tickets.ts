// The emulator's ticket-system records: support cases, ServiceNow incidents, Event Notifications, Jira.

interface CaseComment {
  value: string;
  added_at: string;
  added_by: { name: string; realm: string; user_id: string };
}

interface CaseRec {
  number: string;
  short_description: string;
  description: string;
  type: string;
  severity: number;
  status: 'new' | 'in_progress' | 'waiting_on_client' | 'resolution_provided' | 'resolved' | 'closed';
  created_at: string;
  created_by: { name: string; realm: string; user_id: string };
  updated_at: string;
  updated_by: { name: string; realm: string; user_id: string };
  offering?: unknown;
  resources: { crn?: string; type?: string; note?: string; name?: string }[];
  watchlist: unknown[];
  comments: CaseComment[];
  resolution?: string;
  close_notes?: string;
  seq: number;
}

interface IncidentRec {
  sys_id: string;
  number: string;
  short_description: string;
  description: string;
  state: string;
  urgency: string;
  impact: string;
  correlation_id?: string;
  correlation_display?: string;
  work_notes: string[];
  close_code?: string;
  close_notes?: string;
  sys_created_on: string;
  sys_updated_on: string;
  seq: number;
  [field: string]: unknown;
}

/** A notification an Event Notifications instance accepted (the CloudEvent as sent, plus when). */
interface EnNotificationRec {
  notification_id: string;
  source_id: string;
  received_at: string;
  content_type: string;
  body: Record<string, unknown>;
}

interface EnSourceRec {
  id: string;
  name: string;
  enabled: boolean;
}

interface EnInstanceRec {
  /** The instance GUID (36 characters), the `{instance_id}` of the API paths. */
  id: string;
  name: string;
  region: string;
  sources: Map<string, EnSourceRec>;
  notifications: EnNotificationRec[];
}

interface JiraCommentRec {
  id: string;
  body: unknown;
  created: string;
  author: string;
}

interface JiraIssueRec {
  id: string;
  key: string;
  project: string;
  issuetype: string;
  summary: string;
  description: unknown;
  labels: string[];
  priority: string;
  status: string;
  created: string;
  updated: string;
  comments: JiraCommentRec[];
  seq: number;
}

interface JiraProjectRec {
  id: string;
  key: string;
  name: string;
  issue_types: string[];
  /** Next issue number (`KEY-<n>`). */
  next: number;
}

export type {
  CaseComment,
  CaseRec,
  EnInstanceRec,
  EnNotificationRec,
  EnSourceRec,
  IncidentRec,
  JiraCommentRec,
  JiraIssueRec,
  JiraProjectRec,
};
