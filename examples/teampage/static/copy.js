// Progressive enhancement: a "Copy link" button beside each link field,
// shown only where the clipboard can be written. Without this script the
// field is still there to select and copy by hand.
document.addEventListener("DOMContentLoaded", function () {
	if (!navigator.clipboard) return;
	document.querySelectorAll("button[data-copy]").forEach(function (b) {
		var field = document.getElementById(b.dataset.copy);
		if (!field) return;
		b.hidden = false;
		b.addEventListener("click", function () {
			navigator.clipboard.writeText(field.value).then(function () {
				b.textContent = "Copied";
			}, function () {
				field.select();
			});
		});
	});
});
