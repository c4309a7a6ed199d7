"""LSTMClassifier's targets: labels as class codes, class weights, criterion, head."""

import numpy as np
import torch
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from ..nn._heads import ClassificationHead
from ._splits import StratifiedSplit

__all__ = ["ClassificationTargetMixin"]


class ClassificationTargetMixin:
    """LSTMClassifier's targets: ``classes_``, ``class_weight``, the criterion and head.

    Mixed into :class:`~sklstm.LSTMClassifier`.
    """

    def _encode_target(
        self, y, continuing, classes=None, validation=False, sample_weight=None
    ):
        check_classification_targets(y)
        if not continuing:
            self.classes_ = np.unique(y if classes is None else classes)
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} that are not in classes_ "
                f"{self.classes_.tolist()}; pass every label in `classes` on the "
                "first call to partial_fit."
            )
        if len(self.classes_) < 2:
            raise ValueError(
                "LSTMClassifier needs samples of at least 2 classes in y; got 1 "
                f"class: {self.classes_[0]!r}."
            )
        if validation and self.validation_split == "stratified":
            # Only to raise before training: whether the split is possible
            # depends on the class counts, not on the seed.
            StratifiedSplit(self.validation_fraction, random_state=0).rows(y)
        if not continuing:
            self.class_weight_ = None
            # "balanced" counts rows, not weights, as LogisticRegression does;
            # the loss then multiplies each row's weight by its class's.
            if self.class_weight is not None:
                self.class_weight_ = compute_class_weight(
                    self.class_weight, classes=self.classes_, y=y
                )
        codes = np.searchsorted(self.classes_, y).astype(np.int64)
        net_params = self._criterion_params()
        if sample_weight is not None:
            # skorch's validation accuracy reads the batches' targets, which
            # then come with their weights; sklstm reads the validation loss.
            net_params["callbacks__valid_acc"] = None
        return torch.from_numpy(codes), self._module_output_size(), net_params

    def _module_output_size(self):
        return len(self.classes_)

    def _criterion_params(self):
        weight = None
        if self.class_weight_ is not None:
            weight = torch.as_tensor(self.class_weight_, dtype=torch.float32)
        return {"criterion__weight": weight}

    def _make_head(self, output_names=None):
        return ClassificationHead(output_names)
