import type { OrganizationKey, Team } from "../../db/schema";
import { teamModel } from "../teams/models";
import { keyModel } from "../../platform/models";

/** SDK 27's Organization: the console team, its projects' ids, and Cloud's billing fields at their empty values. */
export function organizationModel(team: Team, projectIds: string[]) {
  return {
    ...teamModel(team),
    billingBudget: 0, budgetAlerts: [], billingPlan: "", billingPlanId: "", billingPlanDetails: {}, billingEmail: "",
    billingStartDate: "", billingCurrentInvoiceDate: "", billingNextInvoiceDate: "", billingTrialStartDate: "",
    billingTrialDays: 0, billingAggregationId: "", billingInvoiceId: "", paymentMethodId: "", billingAddressId: "",
    backupPaymentMethodId: "", status: "active", remarks: "", agreementBAA: "", programManagerName: "",
    programManagerCalendar: "", programDiscordChannelName: "", programDiscordChannelUrl: "", billingPlanDowngrade: "",
    billingTaxId: "", markedForDeletion: false, platform: "appwrite", projects: projectIds,
  };
}

/** The Key model (secret shown once, on creation). */
export const organizationKeyModel = (k: OrganizationKey, secret = "") => keyModel({ ...k, projectId: k.teamId }, secret);

