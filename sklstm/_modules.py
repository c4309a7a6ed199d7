"""PyTorch modules behind the estimators. Tensors in, tensors out: no data handling."""

import torch
from torch import nn

__all__ = ["LSTMNet"]


class LSTMNet(nn.Module):
    """Recurrent encoder whose final hidden state feeds a linear head.

    Parameters
    ----------
    n_features : int
        Number of input features per time step.
    n_outputs : int, default=1
        Number of values predicted per sequence.
    hidden_size : int, default=64
        Number of units in each recurrent layer (per direction).
    num_layers : int, default=1
        Number of stacked recurrent layers.
    dropout : float, default=0.0
        Dropout probability between stacked layers and before the head.
    bidirectional : bool, default=False
        Whether each layer also reads the sequence backwards.

    Shape
    -----
    - Input: ``(batch, time, n_features)``
    - Output: ``(batch, n_outputs)``
    """

    def __init__(
        self,
        n_features: int,
        n_outputs: int = 1,
        hidden_size: int = 64,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ):
        super().__init__()
        self.lstm = nn.LSTM(
            n_features,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            # nn.LSTM only applies dropout between layers and warns with one.
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
        )
        self.dropout = nn.Dropout(dropout)
        n_directions = 2 if bidirectional else 1
        self.head = nn.Linear(n_directions * hidden_size, n_outputs)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        _, (h_n, _) = self.lstm(X)
        # h_n is (num_layers * n_directions, batch, hidden): the last layer's
        # states are the final ones, forward then backward.
        n_directions = 2 if self.lstm.bidirectional else 1
        last = torch.cat(tuple(h_n[-n_directions:]), dim=-1)
        return self.head(self.dropout(last))
