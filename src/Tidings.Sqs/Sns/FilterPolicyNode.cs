namespace Tidings.Sqs.Sns;

/// <summary>
/// The parsed policy as a tree: the keys of an object are ANDed (<see cref="AllOf"/>), the branches
/// of a "$or" are ORed (<see cref="AnyOf"/>), and each leaf key holds its ORed conditions
/// (<see cref="Field"/>).
/// </summary>
internal abstract class FilterPolicyNode
{
    public abstract bool Matches(FilterSubject subject);

    /// <summary>AWS's complexity measure: values × nesting depth per key, multiplied across ANDed keys, summed across "$or" branches.</summary>
    public abstract long Combinations { get; }

    /// <summary>The top-level key names of each way the policy can match ("$or" expanded); AWS allows five per branch.</summary>
    public abstract IEnumerable<HashSet<string>> TopLevelKeysPerBranch();

    public sealed class AllOf(IReadOnlyList<FilterPolicyNode> children) : FilterPolicyNode
    {
        public override bool Matches(FilterSubject subject)
        {
            foreach (var child in children)
            {
                if (!child.Matches(subject))
                {
                    return false;
                }
            }

            return true;
        }

        public override long Combinations
        {
            get
            {
                long product = 1;
                foreach (var child in children)
                {
                    // Saturate instead of overflowing: anything past the limit is refused anyway.
                    product = Math.Min(product * child.Combinations, int.MaxValue);
                }

                return product;
            }
        }

        public override IEnumerable<HashSet<string>> TopLevelKeysPerBranch()
        {
            IEnumerable<HashSet<string>> branches = [[]];
            foreach (var child in children)
            {
                var childBranches = child.TopLevelKeysPerBranch().ToList();
                branches = branches.SelectMany(b => childBranches.Select(c => new HashSet<string>(b.Concat(c), StringComparer.Ordinal))).ToList();
            }

            return branches;
        }
    }

    public sealed class AnyOf(IReadOnlyList<FilterPolicyNode> branches) : FilterPolicyNode
    {
        public override bool Matches(FilterSubject subject)
        {
            foreach (var branch in branches)
            {
                if (branch.Matches(subject))
                {
                    return true;
                }
            }

            return false;
        }

        public override long Combinations => Math.Min(branches.Sum(b => b.Combinations), int.MaxValue);

        public override IEnumerable<HashSet<string>> TopLevelKeysPerBranch() =>
            branches.SelectMany(b => b.TopLevelKeysPerBranch());
    }

    public sealed class Field(IReadOnlyList<string> path, IReadOnlyList<FilterCondition> conditions) : FilterPolicyNode
    {
        public override bool Matches(FilterSubject subject)
        {
            var values = new List<FilterValue>();
            var present = subject.Collect(path, values);
            foreach (var condition in conditions)
            {
                if (condition.Kind == FilterConditionKind.Exists)
                {
                    if (condition.MustExist == present)
                    {
                        return true;
                    }

                    continue;
                }

                foreach (var value in values)
                {
                    if (condition.Matches(value))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        public override long Combinations => (long)conditions.Count * path.Count;

        public override IEnumerable<HashSet<string>> TopLevelKeysPerBranch() =>
            [new HashSet<string>(StringComparer.Ordinal) { path[0] }];
    }
}
