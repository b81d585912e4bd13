const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" };

/**
 * The five entities HTML escapers write (`&amp; &lt; &gt; &quot; &#39;`) back to characters, in one
 * pass so `&amp;lt;` becomes `&lt;`; any other entity is left as written.
 */
export const decodeEntities = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ENTITIES[name] as string);
