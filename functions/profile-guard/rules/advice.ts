// IBM's guidance the rules enforce, quoted verbatim from "Security best practices for the instance
// metadata service" (IBM Cloud Docs, EN), section "Limit trusted profiles for compute resource identities"
// and the metadata-service section. Quoted, not paraphrased, so a ticket can cite IBM's own words.

const ADVICE = {
  limitProfiles:
    "Limit trusted profiles that you create for compute resource identities. Optionally, don't assign a compute resource identity to an instance.",
  updateProfiles:
    'You can also update existing trusted profiles by redefining the trust relationship, assigning access policies, and updating session limits.',
  removeProfiles:
    'When you remove trusted profiles, compute resources and federated users are unlinked from the profile, and can no longer apply the trusted profile identity.',
  disableMetadata: 'You can disable the service on an existing instance where it is enabled.',
} as const satisfies Record<string, string>;

export { ADVICE };
