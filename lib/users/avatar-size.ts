/** The largest picture accepted: a phone photo fits; the stored avatar is far smaller. */
export const MAX_AVATAR_BYTES = 8 * 1024 * 1024;

/** The largest avatar form: the picture and the multipart framing around it. */
export const AVATAR_FORM_BYTES = MAX_AVATAR_BYTES + 64 * 1024;
