/**
 * The selected sample's preview as the host sent it: an image (a data: URL of the bytes read
 * from the run folder) or a line of text, always set as text; a note when there is neither.
 */
import type { HostToWebview } from '../../src/shared/protocol';
import { el } from '../dom';

export type PreviewReply = Extract<HostToWebview, { type: 'preview' }>;

/** The image types the host sends; anything else is not drawn. */
const MIMES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function drawThumbnail(p: PreviewReply | undefined): HTMLElement {
  const box = el('div', { class: 'thumbnail' });
  if (!p) {
    box.append(el('p', { class: 'note' }, 'loading the preview…'));
    return box;
  }
  const img = p.image;
  if (img && MIMES.has(img.mime) && BASE64.test(img.base64)) {
    const e = el('img', { alt: `sample ${p.index}` });
    e.src = `data:${img.mime};base64,${img.base64}`;
    box.append(e);
  }
  if (typeof p.text === 'string') box.append(el('p', { class: 'preview-text' }, p.text));
  if (p.note) box.append(el('p', { class: 'note' }, p.note));
  return box;
}
