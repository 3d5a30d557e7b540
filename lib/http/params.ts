import { z } from "zod";
import { INT32_MAX } from "../auth/rules";
import { paramErrors, paramInvalid } from "../errors";

/**
 * Validates request parameters and answers as Grape does: `{"error":"name is missing"}` or
 * `{"error":"name is invalid"}`, several failures joined with ", ".
 */
export function parseParams<S extends z.ZodType>(schema: S, input: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const messages = new Set<string>();
  for (const issue of result.error.issues) {
    // Grape names the parameter, not the element of it that failed.
    const key = String(issue.path[0] ?? "params");
    const missing = input[key] === undefined || input[key] === null;
    messages.add(
      issue.code === "invalid_value" && !missing
        ? `${key} does not have a valid value`
        : `${key} is ${missing ? "missing" : "invalid"}`,
    );
  }
  throw paramErrors([...messages]);
}

/** A path parameter declared `type: Integer` in Grape: anything else is `<name> is invalid`. */
export function integerParam(value: string | undefined, name: string): number {
  if (value === undefined || !/^[+-]?\d+$/.test(value)) throw paramInvalid(name);
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw paramInvalid(name);
  return number;
}

/** A boolean as JSON or as a form value ("true"/"false", "1"/"0"). */
export const boolish = z.union([
  z.boolean(),
  z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1"),
]);

/** A positive integer id, as JSON number or string. */
export const idParam = z.coerce.number().int().min(1).max(INT32_MAX);
