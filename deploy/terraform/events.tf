# Where the events come from, last: events flow only into a deployment that is ready for them.

resource "ibm_event_streams_topic" "events" {
  count                = var.event_streams_topic == null ? 0 : 1
  resource_instance_id = var.event_streams_topic.instance_crn
  name                 = var.event_streams_topic.name
  partitions           = var.event_streams_topic.partitions
  config               = var.event_streams_topic.config
}

# Activity Tracker Event Routing writes to the topic with its own authorization (no API key).
resource "ibm_iam_authorization_policy" "atracker_to_event_streams" {
  for_each                    = local.s2s_instances
  source_service_name         = "atracker"
  target_service_name         = "messagehub"
  target_resource_instance_id = each.key
  roles                       = ["Writer"]
  description                 = "imds-guard: Activity Tracker Event Routing writes events to the Event Streams topic"
}

resource "ibm_atracker_target" "event_streams" {
  for_each    = var.activity_tracker == null ? {} : var.activity_tracker.targets
  name        = each.key
  target_type = "event_streams"
  region      = each.value.region
  eventstreams_endpoint {
    target_crn                 = each.value.instance_crn
    brokers                    = each.value.brokers
    topic                      = each.value.topic
    service_to_service_enabled = each.value.api_key_env == null
    api_key                    = each.value.api_key_env == null ? null : lookup(var.at_target_api_keys, each.key, null)
  }
  lifecycle {
    precondition {
      condition     = each.value.api_key_env == null || lookup(var.at_target_api_keys, each.key, null) != null
      error_message = "target ${each.key} authenticates with an API key (api_key_env in the manifest): set it in TF_VAR_at_target_api_keys."
    }
  }
  depends_on = [ibm_iam_authorization_policy.atracker_to_event_streams, ibm_event_streams_topic.events]
}

# Routes select by location only: IAM events are global, so the rule needs the location global.
resource "ibm_atracker_route" "guard" {
  count = var.activity_tracker == null ? 0 : 1
  name  = var.activity_tracker.route.name
  dynamic "rules" {
    for_each = var.activity_tracker.route.rules
    content {
      locations  = rules.value.locations
      target_ids = [for t in rules.value.targets : ibm_atracker_target.event_streams[t].id]
    }
  }
  # The receiving side first: the app, its configuration and its identity.
  depends_on = [ibm_code_engine_app.events, ibm_code_engine_function.guard, ibm_code_engine_job.bulk]
}
