// Small progressive enhancements; every page works without JavaScript.
(function () {
  "use strict";
  // Add another milestone row to the offer form by cloning the empty form template.
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.getAttribute("data-formset-add");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var template = document.getElementById(prefix + "-empty");
      var target = document.getElementById(prefix + "-rows");
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      target.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  });
  // Disable a submit button once pressed, so a double click sends one request.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
})();

// Cancellation and counter-proposal forms: pre-fill the fault from the chosen reason, and
// preview what the terms mean (fee half-up to the cent, as the server computes it).
(function () {
  "use strict";
  var reason = document.getElementById("id_reason");
  var fault = document.getElementById("id_fault");
  if (reason && fault && reason.dataset.defaultFaults) {
    var defaults = {};
    reason.dataset.defaultFaults.split(",").forEach(function (pair) {
      var parts = pair.split(":");
      defaults[parts[0]] = parts[1];
    });
    reason.addEventListener("change", function () {
      if (defaults[reason.value]) { fault.value = defaults[reason.value]; }
    });
  }
  var amount = document.querySelector("input[data-terms-preview]");
  var preview = document.getElementById("terms-preview");
  if (!amount || !preview) { return; }
  var escrow = parseInt(amount.dataset.escrowCents, 10);
  var percent = parseInt(amount.dataset.feePercent, 10);
  function money(cents) { return "$" + (cents / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function update() {
    var cents = Math.round(parseFloat(amount.value || "0") * 100);
    if (isNaN(cents) || cents < 0 || cents > escrow) { cents = NaN; }
    var fee = isNaN(cents) ? NaN : Math.floor((cents * percent + 50) / 100);
    var set = function (key, value) {
      preview.querySelector("[data-preview=" + key + "]").textContent = isNaN(value) ? "—" : money(value);
    };
    set("freelancer", cents); set("fee", fee); set("net", cents - fee); set("client", escrow - cents);
  }
  amount.addEventListener("input", update);
  update();
})();

// Reputation consequences on the request and counter-proposal forms: show the line for the
// fault chosen (all lines stay visible without JavaScript, each naming its fault).
(function () {
  "use strict";
  var fault = document.getElementById("id_fault");
  var lines = document.querySelectorAll("[data-consequence-fault]");
  if (!fault || !lines.length) { return; }
  function show() {
    lines.forEach(function (line) {
      line.hidden = fault.value !== "" && line.dataset.consequenceFault !== fault.value;
    });
  }
  fault.addEventListener("change", show);
  var reason = document.getElementById("id_reason");
  // Choosing a reason sets the fault by script (no change event): follow it.
  if (reason) { reason.addEventListener("change", function () { window.setTimeout(show, 0); }); }
  show();
})();
