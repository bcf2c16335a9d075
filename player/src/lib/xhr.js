// POST a body with upload progress (fetch cannot report it): XMLHttpRequest
// with upload.onprogress, same-origin cookie, JSON answer or an ApiError.
import { errorFrom, ApiError } from './api.js';

/**
 * @param {string} url
 * @param {Blob|string} body
 * @param {{contentType?: string, onProgress?: (loaded:number, total:number)=>void}} o
 */
export function postWithProgress(url, body, o = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    if (o.contentType) xhr.setRequestHeader('Content-Type', o.contentType);
    xhr.upload.onprogress = (e) => { if (o.onProgress) o.onProgress(e.loaded, e.lengthComputable ? e.total : 0); };
    xhr.onload = () => {
      let data = null;
      try { data = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { data = xhr.responseText; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(errorFrom(xhr.status, data, xhr.statusText));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'Network error — check your connection.'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'The upload was canceled.'));
    xhr.send(body);
  });
}
