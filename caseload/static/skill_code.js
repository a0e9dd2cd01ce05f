// The skills form: while the code is left empty, show the code the name will make (code_admin.skill_code_from makes
// the same on save, adding -2, -3 … when another skill has it). Typing a code of one's own still wins.
(function () {
  "use strict";
  var name = document.getElementById("name"), code = document.getElementById("code");
  if (!name || !code) { return; }
  function slug(text) {
    return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
  }
  function suggest() { code.placeholder = slug(name.value) || "e.g. mental-health"; }
  name.addEventListener("input", suggest);
  suggest();
})();
