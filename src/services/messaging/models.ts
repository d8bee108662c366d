/** Appwrite 1.9.6's Provider, Topic, Subscriber and Message models (src/Appwrite/Utopia/Response/Model). */
import { formatDate } from "../../core/time";
import { targetModel, type Target } from "../users/targets";
import type { Message, Provider, Subscriber, Topic } from "./tables";

const date = (ms: number | null) => (ms === null ? "" : formatDate(ms));

/** `credentials` holds only what is not a secret (Appwrite shows them all; Edgewrite never shows a secret). */
export function providerModel(p: Provider) {
  return {
    $id: p.id,
    $createdAt: formatDate(p.createdAt),
    $updatedAt: formatDate(p.updatedAt),
    name: p.name,
    provider: p.provider,
    enabled: p.enabled,
    type: p.type,
    credentials: { ...p.credentials },
    options: { ...p.options },
  };
}

export function topicModel(t: Topic) {
  return {
    $id: t.id,
    $createdAt: formatDate(t.createdAt),
    $updatedAt: formatDate(t.updatedAt),
    name: t.name,
    emailTotal: t.emailTotal,
    smsTotal: t.smsTotal,
    pushTotal: t.pushTotal,
    subscribe: [...t.subscribe],
  };
}

/** The subscriber with its target and the target user's name (what Appwrite's subquery fills in). */
export function subscriberModel(s: Subscriber, target: Target | null, userName: string) {
  return {
    $id: s.id,
    $createdAt: formatDate(s.createdAt),
    $updatedAt: formatDate(s.updatedAt),
    targetId: s.targetId,
    target: target ? targetModel(target) : {},
    userId: s.userId,
    userName,
    topicId: s.topicId,
    providerType: s.providerType,
  };
}

export function messageModel(m: Message) {
  return {
    $id: m.id,
    $createdAt: formatDate(m.createdAt),
    $updatedAt: formatDate(m.updatedAt),
    providerType: m.providerType,
    topics: [...m.topics],
    users: [...m.users],
    targets: [...m.targets],
    scheduledAt: m.scheduledAt === null ? null : formatDate(m.scheduledAt),
    deliveredAt: date(m.deliveredAt),
    deliveryErrors: [...m.deliveryErrors],
    deliveredTotal: m.deliveredTotal,
    data: { ...m.data },
    status: m.status,
  };
}
