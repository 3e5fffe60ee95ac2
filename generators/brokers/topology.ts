/**
 * Where the broker nodes of a stack live, as their peers and in-network clients see them.
 * The broker config builders (generators/brokers/<b>/config.ts) are shared by the compose and
 * Kubernetes emitters; the only thing that differs between the two is how a node is named
 * (a compose service name vs a StatefulSet pod's DNS name), so that is the one parameter.
 */

/** The groups of nodes a stack can have. Ordinals are 0-based within a group. */
export type NodeGroup = 'kafka' | 'kafka-controller' | 'rabbitmq' | 'redis' | 'redis-sentinel';

export interface Topology {
  /** The host name other containers/pods resolve for node `ordinal` of `group`. */
  host(group: NodeGroup, ordinal: number): string;
}

/**
 * docker compose: one service per node, named after the group (`kafka`) when the group has a
 * single node, `<group>-<n>` (1-based, `kafka-1`) when it has several.
 */
export function composeTopology(sizes: Readonly<Partial<Record<NodeGroup, number>>>): Topology {
  return {
    host: (group, ordinal) => ((sizes[group] ?? 1) > 1 ? `${group}-${ordinal + 1}` : group),
  };
}
