# Inputs. `imds-guard deploy --terraform DIR` writes every one of them from manifest.yaml into
# terraform.tfvars.json, except the grants (grants.auto.tfvars.json) and the sensitive values, which
# never touch a file: set them with TF_VAR_secret_values / TF_VAR_at_target_api_keys (or as secure
# variables in Schematics).

variable "account_id" {
  description = "The account the guard is deployed to and guards (manifest accounts[0].id)."
  type        = string
  validation {
    condition     = can(regex("^[0-9a-f]{32}$", var.account_id))
    error_message = "account_id is 32 lowercase hexadecimal characters."
  }
}

variable "region" {
  description = "Region of the Code Engine project (manifest project.region)."
  type        = string
}

variable "resource_group" {
  description = "Name of the resource group that holds the project (manifest project.resource_group)."
  type        = string
}

variable "project" {
  description = "The Code Engine project and the name of the configmap the module writes (policy, identity settings)."
  type = object({
    name       = string
    config_map = string
  })
}

variable "accounts" {
  description = "Other accounts the guard acts in (manifest accounts[1:]): each reached by assuming a trusted profile there, and/or with an API key from a secret (apikey_secret holding the key under apikey_env). Names only, never a key. Becomes IMDS_GUARD_ACCOUNTS."
  type = list(object({
    id            = string
    name          = optional(string)
    apikey_secret = optional(string)
    apikey_env    = optional(string)
    assume = optional(object({
      profile_id   = optional(string)
      profile_crn  = optional(string)
      profile_name = optional(string)
    }))
  }))
  default = []
  validation {
    condition = alltrue([for a in var.accounts : can(regex("^[0-9a-f]{32}$", a.id)) && a.id != var.account_id && (a.apikey_secret == null) == (a.apikey_env == null) && (a.assume != null || a.apikey_secret != null)])
    error_message = "Each account: a 32-hex id other than account_id, assume and/or apikey_secret with apikey_env (both or neither)."
  }
  validation {
    condition     = alltrue([for a in var.accounts : a.assume == null || length(compact([try(a.assume.profile_id, null), try(a.assume.profile_crn, null), try(a.assume.profile_name, null)])) == 1])
    error_message = "assume names exactly one of profile_id, profile_crn, profile_name."
  }
}

variable "identity" {
  description = "Who the code runs as: a trusted profile (preferred) or a service ID. Exactly one."
  type = object({
    trusted_profile = optional(object({
      name        = string
      description = string
    }))
    service_id = optional(object({
      name          = string
      description   = string
      apikey_secret = string
    }))
  })
  validation {
    condition     = (var.identity.trusted_profile == null) != (var.identity.service_id == null)
    error_message = "identity names exactly one of trusted_profile or service_id."
  }
}

variable "grants" {
  description = "The identity's least-privilege IAM access, generated from shared/manifest/grants.ts into grants.auto.tfvars.json. Never edit by hand."
  type = list(object({
    key   = string
    roles = list(string)
    scope = object({
      service_name     = string
      service_instance = optional(string)
      resource_type    = optional(string)
      resource         = optional(string)
      attributes       = optional(map(string), {})
    })
    why = string
  }))
}

variable "policy_json" {
  description = "The manifest's policy: section, validated, defaults filled in, as JSON (IMDS_GUARD_POLICY)."
  type        = string
}

variable "secrets" {
  description = "Secrets the components read. from = env: the module creates them from secret_values; from = existing: they must already be in the project."
  type = list(object({
    name = string
    from = string
    keys = list(string)
  }))
  default = []
}

variable "secret_values" {
  description = "Values of the from = env secrets: { secret name = { key = value } }. Set with TF_VAR_secret_values; they end up in the Terraform state, so keep the state private (or use from: existing)."
  type        = map(map(string))
  default     = {}
  sensitive   = true
}

variable "configmaps" {
  description = "Plain settings (manifest configmaps:)."
  type = list(object({
    name = string
    data = map(string)
  }))
  default = []
}

variable "functions" {
  description = "Code Engine functions by name. Terraform deploys code from a registry: code_bundle is required (see README, Code)."
  type = map(object({
    runtime            = string
    cpu                = number
    memory             = string
    max_execution_time = number
    scale_down_delay   = number
    visibility         = string
    code_bundle        = optional(string)
    code_secret        = optional(string)
    build_source       = optional(string)
    configmaps         = optional(list(string), [])
    secrets            = optional(list(string), [])
    env                = optional(map(string), {})
  }))
  default = {}
  validation {
    condition     = alltrue([for f in values(var.functions) : f.code_bundle != null])
    error_message = "Every function needs code_bundle, a code bundle in a container registry (Terraform cannot upload a local build_source): build and push it first, see README.md, Code."
  }
}

variable "app" {
  description = "The Kafka receiver app (manifest app:). image is required (see README, Code)."
  type = object({
    name            = string
    image           = optional(string)
    registry_secret = optional(string)
    build_source    = optional(string)
    port            = number
    min_scale       = number
    max_scale       = number
    concurrency     = number
    request_timeout = number
    visibility      = string
    cpu             = number
    memory          = string
    configmaps      = optional(list(string), [])
    secrets         = optional(list(string), [])
    env             = optional(map(string), {})
  })
  default = null
  validation {
    condition     = var.app == null || try(var.app.image != null, false)
    error_message = "The app needs image, a container image in a registry (Terraform cannot upload a local build_source): build and push it first, see README.md, Code."
  }
}

variable "job" {
  description = "The bulk sweep job (manifest job:). image is required (see README, Code)."
  type = object({
    name               = string
    image              = optional(string)
    registry_secret    = optional(string)
    build_source       = optional(string)
    array_size         = number
    retry_limit        = number
    max_execution_time = number
    mode               = string
    cpu                = number
    memory             = string
    configmaps         = optional(list(string), [])
    secrets            = optional(list(string), [])
    env                = optional(map(string), {})
  })
  default = null
  validation {
    condition     = var.job == null || try(var.job.image != null, false)
    error_message = "The job needs image, a container image in a registry: build and push it first, see README.md, Code."
  }
}

variable "cos_job" {
  description = "Optional COS batch job (docs/delivery-and-trail.md, Path C): the destination of a COS subscription on the Activity Tracker bucket. Not in manifest.yaml; set it here to deploy it."
  type = object({
    name               = string
    image              = string
    registry_secret    = optional(string)
    retry_limit        = optional(number, 3)
    max_execution_time = optional(number, 3600)
    cpu                = optional(number, 1)
    memory             = optional(string, "4G")
    configmaps         = optional(list(string), [])
    secrets            = optional(list(string), [])
    env                = optional(map(string), {})
  })
  default = null
}

variable "activity_tracker" {
  description = "Activity Tracker Event Routing targets (Event Streams) and the route (manifest activity_tracker:)."
  type = object({
    targets = map(object({
      region       = string
      instance_crn = string
      brokers      = list(string)
      topic        = string
      api_key_env  = optional(string)
    }))
    route = object({
      name = string
      rules = list(object({
        locations = list(string)
        targets   = list(string)
      }))
    })
  })
  default = null
}

variable "at_target_api_keys" {
  description = "API keys of the targets that do not use a service-to-service authorization: { target name = key }. Set with TF_VAR_at_target_api_keys."
  type        = map(string)
  default     = {}
  sensitive   = true
}

variable "event_streams_topic" {
  description = "The Event Streams topic the targets write to and the app reads. null: the topic exists already (managed elsewhere)."
  type = object({
    name         = string
    instance_crn = string
    partitions   = optional(number, 1)
    config       = optional(map(string), {})
  })
  default = null
}

variable "audit_trail" {
  description = "Optional COS bucket for decision records (manifest audit_trail:). create_bucket = true creates it write-once (object lock)."
  type = object({
    bucket         = string
    region         = string
    instance_id    = string
    prefix         = optional(string)
    endpoint       = optional(string)
    create_bucket  = optional(bool, false)
    retention_days = optional(number, 365)
  })
  default = null
}

variable "cloud_logs" {
  description = "Optional IBM Cloud Logs instance that receives the project's logs: the module adds the alert and view definitions of cloud-logs/ to it."
  type = object({
    instance_id            = string
    region                 = string
    exposure_threshold_ms  = optional(number, 900000)
    webhook_integration_id = optional(number)
  })
  default = null
}

variable "post_apply_commands" {
  description = "The ibmcloud commands for what the IBM provider has no resource for (cron and Kafka subscriptions), exactly as `imds-guard deploy --dry-run` prints them. Shown as an output; run them after apply."
  type        = list(string)
  default     = []
}
