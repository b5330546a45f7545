// How each IBM platform-services client class is loaded. Separate constants so a bundle that uses only
// one service (instance-guard: tagging) carries only that service's SDK module.
type IamIdentityV1 = typeof import('@ibm-cloud/platform-services/iam-identity/v1.js');
type IamPolicyManagementV1 = typeof import('@ibm-cloud/platform-services/iam-policy-management/v1.js');
type IamAccessGroupsV2 = typeof import('@ibm-cloud/platform-services/iam-access-groups/v2.js');
type GlobalTaggingV1 = typeof import('@ibm-cloud/platform-services/global-tagging/v1.js');
type CaseManagementV1 = typeof import('@ibm-cloud/platform-services/case-management/v1.js');

interface ServiceLoaders {
  identity: () => Promise<IamIdentityV1>;
  policies: () => Promise<IamPolicyManagementV1>;
  groups: () => Promise<IamAccessGroupsV2>;
  tagging: () => Promise<GlobalTaggingV1>;
  cases: () => Promise<CaseManagementV1>;
}

const loadIdentity = async (): Promise<IamIdentityV1> =>
  (await import('@ibm-cloud/platform-services/iam-identity/v1.js')).default;
const loadPolicies = async (): Promise<IamPolicyManagementV1> =>
  (await import('@ibm-cloud/platform-services/iam-policy-management/v1.js')).default;
const loadGroups = async (): Promise<IamAccessGroupsV2> =>
  (await import('@ibm-cloud/platform-services/iam-access-groups/v2.js')).default;
const loadTagging = async (): Promise<GlobalTaggingV1> =>
  (await import('@ibm-cloud/platform-services/global-tagging/v1.js')).default;
const loadCases = async (): Promise<CaseManagementV1> =>
  (await import('@ibm-cloud/platform-services/case-management/v1.js')).default;

const ALL_SERVICES: ServiceLoaders = {
  identity: loadIdentity,
  policies: loadPolicies,
  groups: loadGroups,
  tagging: loadTagging,
  cases: loadCases,
};

export type { ServiceLoaders };
export { ALL_SERVICES, loadCases, loadGroups, loadIdentity, loadPolicies, loadTagging };
