# Cloud Logs alerts and saved views, from the definition files in cloud-logs/ (docs/deploy.md uses the
# same files). `{exposure_threshold_ms}` in a query is replaced by var.cloud_logs.exposure_threshold_ms.

locals {
  logs_enabled = var.cloud_logs != null
  threshold_ms = local.logs_enabled ? tostring(var.cloud_logs.exposure_threshold_ms) : ""
  # Every alert file as one shape: a threshold alert has no numerator, a ratio alert no query.
  alert_shape = { query = null, numerator = null, numerator_alias = null, denominator = null, denominator_alias = null, group_by = [] }
  logs_alerts = !local.logs_enabled ? {} : {
    for f in fileset("${path.module}/cloud-logs/alerts", "*.json") :
    trimsuffix(f, ".json") => merge(local.alert_shape, jsondecode(replace(file("${path.module}/cloud-logs/alerts/${f}"), "{exposure_threshold_ms}", local.threshold_ms)))
  }
  logs_views = !local.logs_enabled ? {} : {
    for f in fileset("${path.module}/cloud-logs/views", "*.json") :
    trimsuffix(f, ".json") => jsondecode(replace(file("${path.module}/cloud-logs/views/${f}"), "{exposure_threshold_ms}", local.threshold_ms))
  }
}

resource "ibm_logs_alert_definition" "guard" {
  for_each      = local.logs_alerts
  instance_id   = var.cloud_logs.instance_id
  region        = var.cloud_logs.region
  name          = each.value.name
  description   = each.value.description
  enabled       = true
  priority      = each.value.priority
  type          = each.value.type
  group_by_keys = each.value.group_by
  incidents_settings {
    minutes   = each.value.retrigger_minutes
    notify_on = each.value.notify_on
  }
  dynamic "logs_threshold" {
    for_each = each.value.type == "logs_threshold" ? [each.value] : []
    content {
      condition_type = logs_threshold.value.condition
      logs_filter {
        simple_filter {
          lucene_query = logs_threshold.value.query
        }
      }
      rules {
        condition {
          threshold = logs_threshold.value.threshold
          time_window {
            logs_time_window_specific_value = logs_threshold.value.time_window
          }
        }
        override {
          priority = logs_threshold.value.priority
        }
      }
    }
  }
  dynamic "logs_ratio_threshold" {
    for_each = each.value.type == "logs_ratio_threshold" ? [each.value] : []
    content {
      condition_type    = logs_ratio_threshold.value.condition
      group_by_for      = "both_or_unspecified"
      ignore_infinity   = true
      numerator_alias   = logs_ratio_threshold.value.numerator_alias
      denominator_alias = logs_ratio_threshold.value.denominator_alias
      numerator {
        simple_filter {
          lucene_query = logs_ratio_threshold.value.numerator
        }
      }
      denominator {
        simple_filter {
          lucene_query = logs_ratio_threshold.value.denominator
        }
      }
      rules {
        condition {
          threshold = logs_ratio_threshold.value.threshold
          time_window {
            logs_ratio_time_window_specific_value = logs_ratio_threshold.value.time_window
          }
        }
        override {
          priority = logs_ratio_threshold.value.priority
        }
      }
    }
  }
  # Alerts reach people through an outgoing webhook (for example an Event Notifications integration).
  dynamic "notification_group" {
    for_each = try(var.cloud_logs.webhook_integration_id, null) == null ? [] : [each.value]
    content {
      group_by_keys = notification_group.value.group_by
      webhooks {
        integration {
          integration_id = var.cloud_logs.webhook_integration_id
        }
      }
    }
  }
}

resource "ibm_logs_view" "guard" {
  for_each    = local.logs_views
  instance_id = var.cloud_logs.instance_id
  region      = var.cloud_logs.region
  name        = each.value.name
  search_query {
    query       = each.value.query
    syntax_type = "lucene"
  }
  time_selection {
    quick_selection {
      caption = each.value.time_caption
      seconds = each.value.time_seconds
    }
  }
  dynamic "filters" {
    for_each = length(each.value.filters) > 0 ? [each.value.filters] : []
    content {
      dynamic "filters" {
        for_each = filters.value
        iterator = filter
        content {
          name            = filter.value.name
          selected_values = filter.value.selected_values
        }
      }
    }
  }
}
