# The optional COS audit trail. The guard only ever gets Object Writer on it (grants.auto.tfvars.json);
# create_bucket = true makes it write-once: versioning + object lock with a COMPLIANCE default retention,
# so not even an account administrator can delete or overwrite a decision record before it expires.

locals {
  # COS instances are global: their CRN follows from the account and the instance GUID.
  trail_instance_crn = var.audit_trail == null ? null : "crn:v1:bluemix:public:cloud-object-storage:global:a/${var.account_id}:${var.audit_trail.instance_id}::"
  create_trail       = var.audit_trail != null && try(var.audit_trail.create_bucket, false)
}

resource "ibm_cos_bucket" "trail" {
  count                = local.create_trail ? 1 : 0
  bucket_name          = var.audit_trail.bucket
  resource_instance_id = local.trail_instance_crn
  region_location      = var.audit_trail.region
  storage_class        = "standard"
  object_versioning {
    enable = true
  }
  object_lock = true
}

resource "ibm_cos_bucket_object_lock_configuration" "trail" {
  count           = local.create_trail ? 1 : 0
  bucket_crn      = ibm_cos_bucket.trail[0].crn
  bucket_location = var.audit_trail.region
  object_lock_configuration {
    object_lock_enabled = "Enabled"
    object_lock_rule {
      default_retention {
        mode = "COMPLIANCE"
        days = var.audit_trail.retention_days
      }
    }
  }
}
