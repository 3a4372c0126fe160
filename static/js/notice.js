// The notice line under the form: something the user should know that is neither a refused request
// (the form's message) nor the stream's state (the banner), e.g. that the server restarted and the
// tab followed its creator again. It stays until dismissed or the user picks a creator.

import { requestFlush } from './frame.js';

export function createNotice(root = document) {
  const box = root.getElementById('notice');
  const text = root.getElementById('notice-text');
  const view = { message: '', code: '' };

  function render() {
    box.hidden = !view.message;
    box.dataset.code = view.code;
    text.textContent = view.message;
  }

  function show(message, code) {
    view.message = message;
    view.code = code;
    requestFlush(render);
  }

  root.getElementById('notice-close').addEventListener('click', () => show('', ''));

  return {
    show,
    hide() {
      if (view.message) show('', '');
    },
  };
}
