import { muteSwitch } from "./mute-channel.ts";

export const unmuteChannel = muteSwitch(false);
