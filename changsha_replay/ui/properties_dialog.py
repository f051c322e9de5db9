"""File → Scenario Properties: titles, description and author of the open scenario."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from ..model.records import ScenarioInfo


class PropertiesDialog(QDialog):
    """Edits a copy of the scenario's metadata; :meth:`info` is the result."""

    def __init__(self, info: ScenarioInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Scenario Properties")
        self._info = info
        self.title_en = QLineEdit(info.title_en, self)
        self.title_zh = QLineEdit(info.title_zh, self)
        self.description_en = QPlainTextEdit(info.description_en, self)
        self.description_zh = QPlainTextEdit(info.description_zh, self)
        self.author = QLineEdit(info.author, self)
        for edit in (self.title_en, self.title_zh, self.author):
            edit.setMaxLength(200)
        form = QFormLayout(self)
        form.addRow("Title (English)", self.title_en)
        form.addRow("Title (中文)", self.title_zh)
        form.addRow("Description (English)", self.description_en)
        form.addRow("Description (中文)", self.description_zh)
        form.addRow("Author", self.author)
        if info.based_on:
            form.addRow("Based on", QLabel(info.based_on, self))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(520, 420)

    def info(self) -> ScenarioInfo:
        return self._info._replace(
            title_en=self.title_en.text().strip(),
            title_zh=self.title_zh.text().strip(),
            description_en=self.description_en.toPlainText(),
            description_zh=self.description_zh.toPlainText(),
            author=self.author.text().strip(),
        )
