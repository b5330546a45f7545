output "project_id" {
  description = "The Code Engine project."
  value       = ibm_code_engine_project.guard.project_id
}

output "project_crn" {
  description = "The project CRN (the trusted-profile links name it)."
  value       = ibm_code_engine_project.guard.crn
}

output "guard_iam_id" {
  description = "The IAM id the guard acts as (events it causes carry it; IMDS_GUARD_SELF_IDS)."
  value       = local.guard_iam_id
}

output "trusted_profile_id" {
  description = "The trusted profile, when that is the identity."
  value       = local.trusted_profile == null ? null : ibm_iam_trusted_profile.guard[0].id
}

output "function_endpoints" {
  description = "Internal (project) endpoints of the functions."
  value       = { for name, f in ibm_code_engine_function.guard : name => f.endpoint_internal }
}

output "activity_tracker_target_ids" {
  description = "Activity Tracker Event Routing target ids by name."
  value       = { for name, t in ibm_atracker_target.event_streams : name => t.id }
}

output "trail_bucket_crn" {
  description = "The audit-trail bucket, when the module created it."
  value       = local.create_trail ? ibm_cos_bucket.trail[0].crn : null
}

output "cloud_logs_alert_ids" {
  description = "Cloud Logs alert definitions by file name."
  value       = { for name, a in ibm_logs_alert_definition.guard : name => a.id }
}

output "post_apply_commands" {
  description = "Run these after apply: the IBM provider has no resource for Code Engine subscriptions (cron, Kafka)."
  value       = var.post_apply_commands
}
