"""The guide's whole pipeline on real data: the handwritten digits bundled with numtorch.

Dataset with transforms (ToTensor, Normalize), a training/validation split with
random_split, shuffled mini-batches from a DataLoader, SimpleNet (Linear -> Tanh
-> Linear), LogSoftmax with NLLLoss, and SGD; after each epoch, the mean training loss
over the epoch and the validation accuracy.
Nothing is downloaded.  Run it with ``python examples/digits.py``.
"""

import numtorch as torch
import numtorch.nn as nn
import numtorch.optim as optim
from numtorch.utils.data import DataLoader, random_split
from numtorch.vision import datasets, transforms

input_size, hidden_size, output_size = 64, 64, 10  # 8 x 8 images, 10 digits
epochs, batch_size, lr = 15, 32, 0.1                # hyperparameters: set before training


class SimpleNet(nn.Module):
    def __init__(self):
        super(SimpleNet, self).__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.tanh = nn.Tanh()
        self.fc2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        x = self.tanh(self.fc1(self.flatten(x)))
        return self.fc2(x)


def accuracy(model, loader) -> float:
    correct = total = 0
    model.eval()
    with torch.no_grad():
        for inputs, targets in loader:
            correct += (model(inputs).argmax(dim=1) == targets).sum().item()
            total += len(targets)
    model.train()
    return correct / total


def main(epochs: int = epochs) -> float:
    torch.manual_seed(0)
    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize(mean=[0.5], std=[0.5])])
    full = datasets.Digits(train=True, transform=transform)
    train_set, val_set = random_split(full, [0.8, 0.2])
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=256)

    model = SimpleNet()
    log_softmax = nn.LogSoftmax(dim=1)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.NLLLoss()

    for epoch in range(epochs):
        total_loss = 0.0  # the sum of each mini-batch's mean loss times its size
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(log_softmax(model(inputs)), targets)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(targets)
        train_loss = total_loss / len(train_set)  # the epoch's mean, not the last batch's
        val_acc = accuracy(model, val_loader)
        print(f"Epoch {epoch + 1}/{epochs}, Loss: {train_loss:.4f}, validation accuracy: "
              f"{val_acc:.1%}")
    return val_acc


if __name__ == "__main__":
    main()
