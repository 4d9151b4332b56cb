"""The guide's network, trained end to end: Linear -> Tanh -> Linear, LogSoftmax, NLLLoss, SGD.

A synthetic three-class problem (points around three centres in 20 dimensions) stands in
for real data; the training loop is the guide's, unchanged.  Run it with
``python examples/simple_net.py`` (or ``python -m numtorch run examples/simple_net.py``
with ``import torch`` in place of ``import numtorch as torch``).
"""

import numtorch as torch
import numtorch.nn as nn
import numtorch.optim as optim
from numtorch.utils.data import DataLoader, TensorDataset

input_size, hidden_size, output_size = 20, 32, 3
epochs, batch_size, lr = 10, 32, 0.05


class SimpleNet(nn.Module):
    def __init__(self):
        super(SimpleNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.tanh = nn.Tanh()
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = self.tanh(self.fc1(x))
        return self.fc2(x)


def make_data(n_per_class: int = 200):
    """Three Gaussian clouds, one per class."""
    centres = torch.randn(output_size, input_size) * 1.5
    xs = [centres[c] + torch.randn(n_per_class, input_size) for c in range(output_size)]
    ys = [torch.full((n_per_class,), c, dtype=torch.long) for c in range(output_size)]
    return torch.cat(xs), torch.cat(ys)


def main() -> float:
    torch.manual_seed(0)
    inputs, targets = make_data()
    data_loader = DataLoader(TensorDataset(inputs, targets), batch_size=batch_size, shuffle=True)

    model = SimpleNet()
    log_softmax = nn.LogSoftmax(dim=1)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.NLLLoss()

    for epoch in range(epochs):
        for batch in data_loader:
            inputs_b, targets_b = batch
            optimizer.zero_grad()
            outputs = log_softmax(model(inputs_b))
            loss = loss_fn(outputs, targets_b)
            loss.backward()
            optimizer.step()
        print(f"Epoch {epoch + 1}/{epochs}, Loss: {loss.item():.4f}")

    with torch.no_grad():
        accuracy = (model(inputs).argmax(dim=1) == targets).float().mean().item()
    print(f"Training accuracy: {accuracy:.1%}")
    return accuracy


if __name__ == "__main__":
    main()
