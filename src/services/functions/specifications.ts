import { AppwriteError } from "../../core/errors";

/**
 * Appwrite's compute specifications (app/config/specifications.php) within 1 CPU and 1 GB — the list 1.9.6 serves
 * under `_APP_COMPUTE_CPUS=1`, `_APP_COMPUTE_MEMORY=1024`. Recorded and shown to the function
 * (APPWRITE_FUNCTION_CPUS/MEMORY); every Dynamic Worker runs with the same limits.
 */
export const SPECIFICATIONS: { memory: number; cpus: number; enabled: boolean; slug: string }[] = [
  { memory: 512, cpus: 0.5, enabled: true, slug: "s-0.5vcpu-512mb" },
  { memory: 512, cpus: 1, enabled: true, slug: "s-1vcpu-512mb" },
  { memory: 1024, cpus: 1, enabled: true, slug: "s-1vcpu-1gb" },
];

/** APP_COMPUTE_SPECIFICATION_DEFAULT */
export const DEFAULT_SPECIFICATION = "s-1vcpu-512mb";

export const specification = (slug: string) => SPECIFICATIONS.find((s) => s.slug === slug) ?? SPECIFICATIONS[1]!;

export function checkSpecification(name: "buildSpecification" | "runtimeSpecification", v: string | undefined) {
  if (v !== undefined && !SPECIFICATIONS.some((s) => s.slug === v)) {
    throw new AppwriteError("general_argument_invalid", `Invalid \`${name}\` param: Specification must be one of: ${SPECIFICATIONS.map((s) => s.slug).join(", ")}`);
  }
  return v;
}
