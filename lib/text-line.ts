import { z } from "zod";
import { hasControls } from "./control-chars.ts";

/**
 * A name or a topic as people type it: trimmed, at most `max` characters, on one line and without
 * any control character (a terminal showing it must not be told to do anything).
 */
export const textLine = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((text) => !hasControls(text), "must not contain control characters");
