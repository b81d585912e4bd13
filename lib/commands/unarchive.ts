import { archiveSwitch } from "./archive.ts";

export const unarchive = archiveSwitch(false);
