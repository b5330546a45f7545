locals {
  trusted_profile = var.identity.trusted_profile
  service_id      = var.identity.service_id

  # Code Engine's managed domain mappings for the manifest's visibility words.
  domain_mappings = { project = "local", private = "local_private", public = "local_public" }

  # Every component that runs code, keyed by its trusted-profile link name (deploy-plan.ts linkName).
  components = merge(
    { for name, f in var.functions : "ce-fn-${name}" => { type = "function", name = name } },
    var.app == null ? {} : { "ce-app-${var.app.name}" = { type = "application", name = var.app.name } },
    var.job == null ? {} : { "ce-job-${var.job.name}" = { type = "job", name = var.job.name } },
    var.cos_job == null ? {} : { "ce-job-${var.cos_job.name}" = { type = "job", name = var.cos_job.name } },
  )

  grants = { for g in var.grants : g.key => g }

  # The guard's own IAM id: events it causes carry it, and it ignores them (IMDS_GUARD_SELF_IDS).
  guard_iam_id = local.trusted_profile != null ? ibm_iam_trusted_profile.guard[0].iam_id : ibm_iam_service_id.guard[0].iam_id

  # The configmap every component reads first: the policy and how the code authenticates.
  generated_config = merge(
    {
      IMDS_GUARD_POLICY   = var.policy_json
      IMDS_GUARD_SELF_IDS = local.guard_iam_id
    },
    local.accounts_setting == null ? {} : { IMDS_GUARD_ACCOUNTS = local.accounts_setting },
    local.trusted_profile == null ? {} : {
      IMDS_GUARD_AUTH_TYPE        = "container"
      IMDS_GUARD_IAM_PROFILE_NAME = local.trusted_profile.name
    },
    var.audit_trail == null ? {} : merge(
      {
        IMDS_GUARD_TRAIL_BUCKET = var.audit_trail.bucket
        IMDS_GUARD_TRAIL_REGION = var.audit_trail.region
      },
      var.audit_trail.prefix == null ? {} : { IMDS_GUARD_TRAIL_PREFIX = var.audit_trail.prefix },
      var.audit_trail.endpoint == null ? {} : { IMDS_GUARD_TRAIL_ENDPOINT = var.audit_trail.endpoint },
    ),
  )

  # Secrets every component reads: the service ID's API key when that is the identity.
  identity_secrets = concat(
    local.service_id == null ? [] : [local.service_id.apikey_secret],
    # Other accounts' API keys (manifest accounts:), mounted by every component.
    distinct([for a in var.accounts : a.apikey_secret if a.apikey_secret != null]),
  )

  # IMDS_GUARD_ACCOUNTS (shared/cloud/accounts.ts): the deployed-to account first, then the others.
  accounts_setting = length(var.accounts) == 0 ? null : jsonencode(concat(
    [{ id = var.account_id }],
    [for a in var.accounts : { for k, v in {
      id         = a.id
      name       = a.name
      apikey_env = a.apikey_env
      assume     = a.assume == null ? null : { for pk, pv in a.assume : pk => pv if pv != null }
    } : k => v if v != null }],
  ))

  # Activity Tracker writes to each Event Streams instance through one service-to-service authorization.
  s2s_instances = var.activity_tracker == null ? toset([]) : toset([
    for t in values(var.activity_tracker.targets) : split(":", t.instance_crn)[7] if t.api_key_env == null
  ])
}
