// Thin typed Event Notifications client on sdk-core's BaseService, mirroring IBM's admin SDK
// (`@ibm-cloud/event-notifications-node-admin-sdk`, not on the npm registry here): the one call a
// publisher needs, `sendNotifications` → `POST /v1/instances/{instance_id}/notifications`, 202
// `{notification_id}`. Service URL: `https://{region}.event-notifications.cloud.ibm.com/event-notifications`.
import { BaseService, type UserOptions, validateParams } from 'ibm-cloud-sdk-core';

/** The CloudEvent EN accepts from an API source (the SDK's `NotificationCreate`, the fields we send). */
interface NotificationCreate {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time?: string;
  ibmensourceid: string;
  ibmenseverity?: string;
  ibmendefaultshort: string;
  ibmendefaultlong: string;
  ibmensubject?: string;
  ibmenmarkdown?: string;
  datacontenttype?: 'application/json';
  data?: Record<string, unknown>;
}

interface NotificationResponse {
  notification_id?: string;
}

interface EnResponse<T> {
  status: number;
  headers: Record<string, string>;
  result: T;
}

const enServiceUrl = (region: string): string =>
  `https://${region}.event-notifications.cloud.ibm.com/event-notifications`;

class EventNotificationsClient extends BaseService {
  static override DEFAULT_SERVICE_URL = enServiceUrl('us-south');
  static override DEFAULT_SERVICE_NAME = 'event_notifications';

  constructor(options: UserOptions) {
    super(options);
    if (!options.serviceUrl) this.setServiceUrl(EventNotificationsClient.DEFAULT_SERVICE_URL);
  }

  sendNotifications(params: {
    instanceId: string;
    body: NotificationCreate;
  }): Promise<EnResponse<NotificationResponse>> {
    const invalid = validateParams(params, ['instanceId', 'body'], ['instanceId', 'body']);
    if (invalid) return Promise.reject(invalid);
    const base = this.baseOptions as { headers?: Record<string, string> };
    return this.createRequest({
      options: {
        url: '/v1/instances/{instance_id}/notifications',
        method: 'POST',
        body: params.body,
        path: { instance_id: params.instanceId },
      },
      defaultOptions: {
        ...this.baseOptions,
        headers: {
          ...base.headers,
          Accept: 'application/json',
          'Content-Type': 'application/json',
          'User-Agent': `imds-guard-en/0.1.0 (lang=node.js; operation=send_notifications; node.version=${process.version})`,
        },
      },
    }) as Promise<EnResponse<NotificationResponse>>;
  }
}

export type { EnResponse, NotificationCreate, NotificationResponse };
export { EventNotificationsClient, enServiceUrl };
